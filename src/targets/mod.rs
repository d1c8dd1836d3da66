//! Target backends: each lowers the model to its own output model, which `emit` serializes.

pub mod aws;
