"""Write the stratified corpus sample used for the success-rate sweep (docs/corpus.md).

All of selftest, torchvision and diffusers; every k-th script (sorted by name) of the others.

    .venv/bin/python bench/corpus_sample.py > /tmp/corpus_sample.txt
"""

from pathlib import Path

MODELS = Path(__file__).resolve().parents[1] / "models"
EVERY = {"selftest": 1, "torchvision": 1, "diffusers": 1, "timm": 40, "transformers": 7,
         "llm_layer": 6, "graph_convolutions": 2}

for corpus, step in EVERY.items():
    for script in sorted((MODELS / corpus).glob("*.py"))[::step]:
        print(script)
