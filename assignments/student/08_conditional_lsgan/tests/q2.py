OK_FORMAT = True

test = {   'name': 'q2',
    'points': 3,
    'suites': [   {   'cases': [   {   'code': '>>> t = tiled(torch.tensor([[1.0, 2.0, 3.0]]), 4, 5)\n>>> assert t.shape == (1, 3, 4, 5) and float(t[0, 2, 3, 4]) == 3.0\n',
                                       'hidden': False,
                                       'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
