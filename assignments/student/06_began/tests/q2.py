OK_FORMAT = True

test = {   'name': 'q2',
    'points': 3,
    'suites': [   {   'cases': [{'code': '>>> assert abs(next_k(0.5, 0.5, 0.1, 0.4, 0.1) - 0.51) < 1e-12\n', 'hidden': False, 'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
