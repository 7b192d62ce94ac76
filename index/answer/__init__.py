"""The answer pipeline: retrieve -> rank -> extract -> compose (extractive or language
model) -> verify, one module per step; front ends only render the ``Answer`` it returns."""
