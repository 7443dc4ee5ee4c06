OK_FORMAT = True

test = {   'name': 'q1',
    'points': 3,
    'suites': [   {   'cases': [{'code': '>>> assert torch.isclose(lsgan_d_loss(torch.ones(4), torch.zeros(4), a=0.0, b=1.0), torch.tensor(0.0))\n', 'hidden': False, 'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
