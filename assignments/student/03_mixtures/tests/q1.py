OK_FORMAT = True

test = {   'name': 'q1',
    'points': 3,
    'suites': [   {   'cases': [   {   'code': '>>> centres = torch.tensor([[0.0, 0.0], [10.0, 0.0]])\n>>> assert modes_recovered(centres.repeat(50, 1), centres, std=0.1) == 2\n',
                                       'hidden': False,
                                       'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
