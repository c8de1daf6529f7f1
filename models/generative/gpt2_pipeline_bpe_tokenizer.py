# labels: name::gpt2_pipeline_bpe_tokenizer author::transformers task::Text_Generation domain::Natural_Language_Processing
"""transformers 5.24.0: ``pipeline("text-generation")`` over ``GPT2LMHeadModel`` from a tiny ``GPT2Config``
(2 layers, width 64, 4 heads; random weights) with a byte-level BPE tokenizer trained in the script
(``tokenizers.ByteLevelBPETokenizer`` on a dozen sentences, vocabulary 300) and wrapped in
``PreTrainedTokenizerFast``; seeded sampling of 10 new tokens; prints the generated text."""

import torch
from tokenizers import ByteLevelBPETokenizer
from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast, pipeline, set_seed
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

corpus = [
    "The quick brown fox jumps over the lazy dog.",
    "A language model predicts the next token from the previous ones.",
    "Benchmarks measure the time to first token and the time per output token.",
    "Small models run fast on a laptop CPU.",
    "The cache keeps the keys and values of the tokens seen so far.",
    "Sampling draws the next token from the predicted distribution.",
    "Greedy decoding always picks the most likely token.",
    "Padding on the left keeps the newest tokens aligned.",
    "An encoder reads the input and a decoder writes the output.",
    "Diffusion models remove noise step by step.",
    "Tokenizers split text into pieces that the model understands.",
    "Random weights make random text, but the shapes are real.",
]
bpe = ByteLevelBPETokenizer()
bpe.train_from_iterator(corpus, vocab_size=300, min_frequency=1, special_tokens=["<|endoftext|>"])
tokenizer = PreTrainedTokenizerFast(tokenizer_object=bpe, eos_token="<|endoftext|>", pad_token="<|endoftext|>")

torch.manual_seed(0)
config = GPT2Config(vocab_size=len(tokenizer), n_positions=128, n_embd=64, n_layer=2, n_head=4,
                    bos_token_id=tokenizer.eos_token_id, eos_token_id=tokenizer.eos_token_id)
model = GPT2LMHeadModel(config)
model.eval()

generator = pipeline("text-generation", model=model, tokenizer=tokenizer)
set_seed(0)
out = generator(["The cache keeps"] * batch_size, max_new_tokens=10, do_sample=True, top_k=30,
                pad_token_id=tokenizer.eos_token_id)
print("generated:", [o[0]["generated_text"] for o in out])
