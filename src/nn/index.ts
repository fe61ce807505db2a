/**
 * nn — models as pure functions of one flat parameter vector (layer 4 of README.md, "Architecture"):
 * MLPs with tanh / relu / softplus / gelu, seeded LeCun / Glorot / He
 * initialisation, losses and accuracy, seeded data sets (two moons, spirals,
 * teacher–student, MNIST digits, Fashion-MNIST from IDX bytes), and optimisers (GD, SGD, heavy-ball momentum,
 * EGR exact and finite-difference) that report divergence instead of throwing.
 */
export * from './activations.js';
export * from './mlp.js';
export * from './losses.js';
export * from './datasets.js';
export * from './mnist.js';
export * from './idx.js';
export * from './fashion.js';
export * from './objective.js';
export * from './optimizers.js';
export * from './registry.js';
