OK_FORMAT = True

test = {   'name': 'q1',
    'points': 3,
    'suites': [   {   'cases': [{'code': '>>> assert tuple(up_block(8, 4)(torch.zeros(2, 8, 7, 7)).shape) == (2, 4, 14, 14)\n', 'hidden': False, 'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
