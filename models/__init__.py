"""Models as the stages meet them: the packaged or hub model a run starts from (pretrained), the
models this workflow trained or someone already has (trained, existing), LoRA adapters, and the
input defences saved beside a model's weights. Training, attacks and evaluation all reach these
without climbing to one another."""
