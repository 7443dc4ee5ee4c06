OK_FORMAT = True

test = {   'name': 'q1',
    'points': 3,
    'suites': [   {   'cases': [{'code': '>>> assert np.allclose(optimal_discriminator([3.0, 1.0], [1.0, 1.0]), [0.75, 0.5])\n', 'hidden': False, 'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
