OK_FORMAT = True

test = {   'name': 'q2',
    'points': 3,
    'suites': [   {   'cases': [   {   'code': '>>> w, ms = tf_rmsprop_step(torch.tensor([1.0]), torch.tensor([2.0]), torch.tensor([1.0]), 0.1)\n'
                                               '>>> assert torch.allclose(ms, torch.tensor([1.3])) and torch.allclose(w, 1 - 0.2 / torch.sqrt(torch.tensor([1.3])))\n',
                                       'hidden': False,
                                       'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
