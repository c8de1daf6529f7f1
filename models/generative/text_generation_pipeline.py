# labels: name::text_generation_pipeline author::transformers task::Text_Generation domain::Natural_Language_Processing
"""transformers 5.24.0: ``pipeline("text-generation")`` over ``LlamaForCausalLM`` from a tiny ``LlamaConfig``
(2 layers, hidden 64, 4 heads, 2 KV heads; random weights) and a ``PreTrainedTokenizerFast`` built in the
script from a ``tokenizers`` WordLevel vocabulary of 64 words (whitespace pre-tokenizer, nothing
downloaded); greedy, 8 new tokens; prints the generated text."""

import torch
from tokenizers import Tokenizer, models, pre_tokenizers
from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast, pipeline
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

words = ("the a cat dog sat on mat ran to park and then slept in sun today is warm cold big small red blue "
         "green house tree bird sang song over under near far fast slow happy sad old new good bad one two "
         "three four five six seven eight nine ten up down left right").split()
vocab = {"<pad>": 0, "<s>": 1, "</s>": 2, "<unk>": 3}
for word in words:
    vocab.setdefault(word, len(vocab))
backend = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
backend.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
tokenizer = PreTrainedTokenizerFast(tokenizer_object=backend, pad_token="<pad>", bos_token="<s>",
                                    eos_token="</s>", unk_token="<unk>")

torch.manual_seed(0)
config = LlamaConfig(vocab_size=len(vocab), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                     num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=256,
                     pad_token_id=0, bos_token_id=1, eos_token_id=2)
model = LlamaForCausalLM(config)
model.eval()

generator = pipeline("text-generation", model=model, tokenizer=tokenizer, device="cpu")
prompts = ["the cat sat on the mat and"] * batch_size
results = generator(prompts, max_new_tokens=8, do_sample=False)
print("generated:", [r[0]["generated_text"] for r in results])
