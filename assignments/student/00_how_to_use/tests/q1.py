OK_FORMAT = True

test = {   'name': 'q1',
    'points': 2,
    'suites': [{'cases': [{'code': '>>> assert tuple(points.shape) == (1000, 2)\n', 'hidden': False, 'locked': False}], 'scored': True, 'setup': '', 'teardown': '', 'type': 'doctest'}]}
