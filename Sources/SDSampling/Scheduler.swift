/// Schedulers and RNG.
