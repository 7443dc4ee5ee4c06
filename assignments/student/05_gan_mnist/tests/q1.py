OK_FORMAT = True

test = {   'name': 'q1',
    'points': 4,
    'suites': [   {   'cases': [   {   'code': '>>> x = torch.zeros(1, 1)\n'
                                               '>>> value = parzen_log_likelihood(x, torch.zeros(1, 1), 1.0)\n'
                                               '>>> assert torch.allclose(value, torch.tensor([-0.5 * math.log(2 * math.pi)], dtype=torch.float64))\n',
                                       'hidden': False,
                                       'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
