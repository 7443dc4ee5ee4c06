OK_FORMAT = True

test = {   'name': 'q2',
    'points': 2,
    'suites': [{'cases': [{'code': '>>> assert isinstance(mean_radius, float)\n', 'hidden': False, 'locked': False, 'points': 0}], 'scored': True, 'setup': '', 'teardown': '', 'type': 'doctest'}]}
