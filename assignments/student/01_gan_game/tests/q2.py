OK_FORMAT = True

test = {   'name': 'q2',
    'points': 3,
    'suites': [   {   'cases': [   {   'code': '>>> x = np.linspace(-10, 10, 20001)\n>>> p = np.exp(-x ** 2 / 2) / math.sqrt(2 * math.pi)\n>>> assert abs(jsd(p, p, x[1] - x[0])) < 1e-12\n',
                                       'hidden': False,
                                       'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
