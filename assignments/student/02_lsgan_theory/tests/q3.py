OK_FORMAT = True

test = {   'name': 'q3',
    'points': 3,
    'suites': [   {   'cases': [{'code': '>>> assert np.allclose(lsgan_optimal_discriminator([1.0], [1.0], a=0.0, b=1.0), [0.5])\n', 'hidden': False, 'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
