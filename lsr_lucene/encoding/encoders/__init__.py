"""Encoders: text to sparse (or dense) vectors. Modules import torch/transformers only when used."""
