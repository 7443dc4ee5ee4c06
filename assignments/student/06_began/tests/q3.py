OK_FORMAT = True

test = {   'name': 'q3',
    'points': 2,
    'suites': [{'cases': [{'code': '>>> assert abs(m_global(0.4, 0.2, 0.5) - 0.4) < 1e-12\n', 'hidden': False, 'locked': False}], 'scored': True, 'setup': '', 'teardown': '', 'type': 'doctest'}]}
