OK_FORMAT = True

test = {   'name': 'q1',
    'points': 3,
    'suites': [   {   'cases': [   {   'code': '>>> d_loss, g_loss = began_losses(torch.tensor([0.2, 0.4]), torch.tensor([0.1, 0.3]), 0.0)\n'
                                               '>>> assert torch.isclose(d_loss, torch.tensor(0.3)) and torch.isclose(g_loss, torch.tensor(0.2))\n',
                                       'hidden': False,
                                       'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
