OK_FORMAT = True

test = {   'name': 'q4',
    'points': 2,
    'suites': [{'cases': [{'code': '>>> assert isinstance(k_star, float)\n', 'hidden': False, 'locked': False, 'points': 0}], 'scored': True, 'setup': '', 'teardown': '', 'type': 'doctest'}]}
