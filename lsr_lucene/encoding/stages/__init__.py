"""Encode stages: an encoder over a collection, written as resumable shards with a manifest."""
