"""The part-of-speech tagger: TextBlob's Brill tagger, applied faster, with claim-language corrections."""
import pytest

from app.patents.drafts.tagging import _apply_context, _tagger, tag_tokens, tokenize
from tests.patents.drafts.real_claims import claim_sets


def tags(text):
    return [(t.text, t.tag) for t in tag_tokens(tokenize(text))]


def test_contextual_rules_give_textblob_s_own_tags_on_real_claims():
    from textblob.en import lexicon

    find_tags = _tagger()[0]
    checked = 0
    for claim_set in claim_sets()[:40]:
        for _, text in claim_set.claims:
            words = [w for w, _, _ in tokenize(text)]
            lexical = find_tags(words, lexicon=lexicon, morphology=None, context=None,
                                default=("NN", "NNP", "CD"), language="en")
            theirs = lexicon.context.apply([list(pair) for pair in lexical])
            assert _apply_context([list(pair) for pair in lexical]) == [list(pair) for pair in theirs]
            checked += len(words)
    assert checked > 20_000


@pytest.mark.parametrize("text,word,tag", [
    ("wherein said valve is open", "said", "DT"),
    ("a fastening means for the lid", "means", "NN"),
    ("a display coupled to the drive", "display", "NN"),
    ("wherein the mobile device communicates.", "communicates", "VBZ"),
    ("a footplate having a strap", "footplate", "NN"),
    ("a signal indicative of a weight", "indicative", "JJ"),
    ("a shackle having a first end", "shackle", "NN"),
    ("a cutting assembly overlying said table", "overlying", "VBG"),
    ("a plurality of handles, wherein", "handles", "NNS"),
    ("when the source AN is the higher version", "AN", "NNP"),
])
def test_claim_language_corrections(text, word, tag):
    assert dict(tags(text))[word] == tag


def test_tokens_keep_their_place_and_hidden_spans_are_left_out():
    text = "a lid (12) on the box"
    tokens = tokenize(text, [(6, 10)])
    assert [w for w, _, _ in tokens] == ["a", "lid", "on", "the", "box"]
    assert all(text[s:e] == w for w, s, e in tokens)
