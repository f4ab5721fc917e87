# coding=utf-8
# Copyright 2025 Acme Test Org. All rights reserved.
# SPDX-License-Identifier: Apache-2.0
"""Configuration of a test model (generated for sovscan tests)."""


# Copied from transformers.models.qwen2_5_vl.configuration_qwen2_5_vl.Qwen2_5_VLVisionConfig with Qwen2_5_VL->AcmeVLM
class AcmeVLMConfig:
    model_type = "acme_vlm"


# Adapted from https://github.com/vllm-project/vllm/blob/main/vllm/model_executor/models/qwen2_5_vl.py
def rope_index():
    return 0
