"""One measure of a letter's own words: the site's Python (which refuses a
letter below a campaign's minimum), the widget's module and the script the
site's pages run (built from that module) give the same figure for every
letter of a corpus, so the figure a writer sees is the one that is checked."""

from __future__ import annotations

import json
import random
import subprocess

from app.campaigns.demo import DEMO_CAMPAIGN, DEMO_TEXTS
from app.letters.own_words import measure
from app.text import fill_placeholders
from tests.builders.settings import ROOT

NAMES = ("Alice Able", "Testington North", "Jane Writer")  # fictional, as the fixtures are
OWN_TEXT = (
    "I read about this in the local paper and it made me angry. "
    "My grandmother worked for the council for thirty years and never claimed a penny she "
    "did not spend. Please don\u2019t let this slip again. Alice Able, you said in 2024 "
    "that Testington North deserves better; here's your chance. Jane Writer"
)
OWN = OWN_TEXT.split(" ")

# Runs in node: each letter through the widget's module and through the
# script the pages load (which sets window.ownWords), printed as JSON.
NODE = """
const fs = require("fs"), vm = require("vm");
const letters = JSON.parse(fs.readFileSync(0, "utf8"));
const page = {}; vm.createContext(page);
vm.runInContext(fs.readFileSync("app/static/js/own-words.js", "utf8") + ";this.ownWords = ownWords;", page);
import("./widget/src/ownwords.js").then(({ ownPercent }) => {
  console.log(JSON.stringify(letters.map(([body, template, names]) =>
    [ownPercent(body, template, names), page.ownWords.ownPercent(body, template, names)])));
});
"""


def corpus(count: int = 300, seed: int = 7) -> list[tuple[str, str]]:
    """Letters as writers change a suggested one: words kept, cut, swapped,
    added, in English and Welsh, from empty to wholly their own."""
    rng = random.Random(seed)
    templates = [DEMO_CAMPAIGN["body_template"], DEMO_TEXTS["cy"]["body_template"]]
    letters = [("", templates[0]), ("Short one.", templates[0]), (" ".join(OWN), templates[1])]
    while len(letters) < count:
        template = fill_placeholders(rng.choice(templates), mp_name=NAMES[0],
                                     constituency=NAMES[1], constituent_name=NAMES[2])  # fmt: skip
        words = template.split(" ")
        for _ in range(rng.randint(0, 40)):
            at = rng.randrange(len(words) + 1)
            action = rng.random()
            if action < 0.3 and words:
                del words[min(at, len(words) - 1)]
            elif action < 0.6:
                words.insert(at, rng.choice(OWN))
            elif words:
                words[min(at, len(words) - 1)] = rng.choice(OWN).upper()
        letters.append((" ".join(words), template))
    return letters


def test_python_the_widget_and_the_pages_give_the_same_figure():
    letters = corpus()
    python = [measure(body, template, NAMES).percent for body, template in letters]
    assert len(set(python)) > 20  # a corpus that spans the range, not one figure
    run = subprocess.run(
        ["node", "-e", NODE], cwd=ROOT, check=True, capture_output=True, text=True,
        input=json.dumps([[body, template, list(NAMES)] for body, template in letters]),
    )  # fmt: skip
    figures = json.loads(run.stdout)
    disagree = [
        (letter[0][:60], ours, js) for letter, ours, js in zip(letters, python, figures, strict=True)
        if js != [ours, ours]
    ]  # fmt: skip
    assert disagree == []
