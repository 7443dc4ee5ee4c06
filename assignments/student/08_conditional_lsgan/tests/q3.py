OK_FORMAT = True

test = {   'name': 'q3',
    'points': 2,
    'suites': [{'cases': [{'code': '>>> assert isinstance(label_parameters, int)\n', 'hidden': False, 'locked': False, 'points': 0}], 'scored': True, 'setup': '', 'teardown': '', 'type': 'doctest'}]}
