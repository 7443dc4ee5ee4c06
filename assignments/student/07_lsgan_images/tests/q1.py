OK_FORMAT = True

test = {   'name': 'q1',
    'points': 3,
    'suites': [   {   'cases': [{'code': ">>> assert outcome([0.9, 0.1], 10, False) == 'trained'\n>>> assert outcome([0.9, 0.1], 2, False) == 'collapsed'\n", 'hidden': False, 'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
