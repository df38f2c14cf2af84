"""A synthetic mixed English/Chinese corpus for scale benchmarks, built from word statistics.

Nothing is copied from real documents: words are drawn from small built-in vocabularies with
Zipf-like frequencies (function words common, names and numbers rare), sentence lengths from a
log-normal fitted to news prose (English mean ~21 words, Chinese ~38 characters), document
lengths from a log-normal (English median ~480 words, Chinese ~900 characters). About 62% of
documents are English, 30% simplified Chinese and 8% traditional Chinese; each has a title, a
publication date (1999–2025), a kind and one to three tags, so every search facet has values.

    python bench/corpus_gen.py --docs 100000 --out /tmp/corpus     # HTML files to ingest
"""

from __future__ import annotations

import argparse
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

KINDS = ("news", "ngo_report", "testimony", "official_statement", "academic", "other")
KIND_WEIGHTS = (40, 15, 10, 15, 12, 8)
_KIND_CW = np.cumsum(KIND_WEIGHTS) / sum(KIND_WEIGHTS)
TAGS = ("hospital", "registry", "waiting-times", "testimony", "policy", "tribunal", "media",
        "statistics", "donors", "detention", "medical-journals", "court")

# English: function words (frequent), domain content words (middling), names (rare).
EN_FUNCTION = ("the of and to in a that is was for on by with as at from it be were had has "
               "have this which are not or an their its but they said also been who more than "
               "after some all would other these about into there when over only such").split()
EN_CONTENT = (
    "hospital transplant organ kidney liver heart lung cornea donor donors recipient patients "
    "patient waiting time times days weeks months surgery surgeon surgeons doctor doctors nurse "
    "report reports evidence witness witnesses testimony official officials government ministry "
    "health statistics registry record records volume volumes capacity beds centre centres "
    "prisoner prisoners detention camp camps execution executions consent volunteer voluntary "
    "system reform policy law regulation rules tribunal court judgment investigation journalist "
    "researchers study studies analysis data figures number numbers annual increase decline "
    "growth million thousand hundred foreign international domestic province city region "
    "national military police security practitioners believers minority group groups blood "
    "test tests tissue matching typing sample samples screening interview interviews phone "
    "call calls investigators claim claims denied denial statement statements spokesman "
    "spokeswoman press conference published website archive deleted removed pages version "
    "versions figure estimate estimates range method methods source sources document documents "
    "allegations alleged abuse abuses rights human medical ethics journal journals papers "
    "retraction retracted editors authors article articles price prices fee fees payment "
    "brokers agency agencies tourism tourists travel flight flights airport trade industry "
    "company companies equipment drugs immunosuppressant supply demand market training "
    "programme programs conference delegation visit visits exchange cooperation audit "
    "inspection oversight transparency accountability".split())
EN_NAMES = ("Beijing Shanghai Tianjin Wuhan Guangzhou Shenyang Zhengzhou Chongqing Harbin Jinan "
            "Xinjiang Urumqi Kashgar Liaoning Sujiatun Henan Shandong Hubei Sichuan Yunnan "
            "Huang Jiefu Wang Lijun Zhu Jiabin Li Xiaoming Chen Wei Zhang Hua Liu Yang Ethan "
            "Gutmann David Matas Kilgour Geoffrey Nice WHO UN NHC COTRS Red Cross "
            "Tianjin First Central Hospital Oriental Organ Transplant Center PLA General Hospital "
            "Falun Gong Uyghur Tibetan Christian Amnesty Human Rights Watch Reuters BBC").split()
EN_CONNECTORS = ("However", "In addition", "According to the report", "Meanwhile",
                 "By contrast", "In 2006", "Officials said", "The study found that",
                 "Witnesses said", "The figures show that", "Critics argue that", "Later")

# Chinese: particles and function words (frequent), domain words, names; simplified forms.
ZH_FUNCTION = "的 了 在 是 和 与 对 为 也 有 被 将 及 等 中 上 这 其 该 已 并 于 所 而 但 从".split()
ZH_CONTENT = (
    "医院 移植 器官 肾脏 肝脏 心脏 肺 眼角膜 供体 捐献 捐献者 受体 患者 病人 等待 时间 天 周 "
    "个月 手术 医生 外科 护士 报告 证据 证人 证词 官方 政府 卫生部 卫健委 统计 数据 登记 "
    "系统 数量 年度 增长 下降 床位 中心 囚犯 监狱 拘留 劳教所 死刑 执行 同意 自愿 制度 改革 "
    "政策 法律 规定 法庭 判决 调查 记者 研究 分析 人员 国际 国内 省 市 地区 军队 警察 安全 "
    "学员 信徒 少数民族 群体 血液 检测 配型 组织 样本 筛查 采访 电话 声称 否认 声明 发言人 "
    "新闻发布会 网站 存档 删除 页面 版本 估计 范围 方法 来源 文件 指控 侵犯 人权 医学 伦理 "
    "期刊 论文 撤稿 编辑 作者 文章 价格 费用 支付 中介 机构 旅游 航班 机场 行业 公司 设备 "
    "药物 免疫抑制剂 供应 需求 市场 培训 项目 会议 代表团 访问 交流 合作 审计 检查 监督 "
    "透明 问责 表示 指出 认为 显示 称 据 目前 近年来 大量 部分 全部 主要 重要 相关 进行 "
    "开展 提供 发现 公布 记录 承认 强调 要求 继续 没有 不是 可以 已经 可能 需要").split()
ZH_NAMES = ("北京 上海 天津 武汉 广州 沈阳 郑州 重庆 哈尔滨 济南 新疆 乌鲁木齐 喀什 辽宁 苏家屯 "
            "河南 山东 湖北 四川 云南 黄洁夫 王立军 朱继斌 李晓明 陈伟 张华 刘洋 法轮功 维吾尔 "
            "藏人 基督徒 天津市第一中心医院 东方器官移植中心 解放军总医院 中国红十字会 "
            "世界卫生组织 联合国 国际特赦组织 人权观察").split()
# Simplified → traditional for the characters the vocabularies use most.
S2T = str.maketrans("医脏肝献体者时间术报证词统计数据记录系统围样检测电话声称认发网页删档价费药"
                    "构旅游航业设备议团访问审监问责显据进开现录继没须区军队警学员众试验划实",
                    "醫臟肝獻體者時間術報證詞統計數據記錄系統圍樣檢測電話聲稱認發網頁刪檔價費藥"
                    "構旅遊航業設備議團訪問審監問責顯據進開現錄繼沒須區軍隊警學員眾試驗劃實")


@dataclass
class GenDoc:
    """One generated document with the metadata the search facets use."""

    number: int
    title: str
    text: str
    language: str  # "en", "zh" or "zh-Hant"
    published: str  # ISO date
    kind: str
    tags: list[str] = field(default_factory=list)

    def html(self) -> str:
        paras = "".join(f"<p>{p}</p>" for p in self.text.split("\n\n"))
        lang = {"en": "en", "zh": "zh-CN", "zh-Hant": "zh-TW"}[self.language]
        return (f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'>"
                f"<title>{self.title}</title>"
                f"<meta property='article:published_time' content='{self.published}'></head>"
                f"<body><article><h1>{self.title}</h1>{paras}</article></body></html>")


def _zipf(n: int, s: float = 1.0) -> np.ndarray:
    """Cumulative probabilities of a Zipf law over ranks 1..n."""
    w = 1.0 / np.arange(1, n + 1) ** s
    return np.cumsum(w) / w.sum()


def _en_tail(rng: random.Random, n: int) -> list[str]:
    onsets, vowels, codas = "b c d f g h k l m n p r s t v w br cr dr gr pl st tr".split(), \
        "a e i o u ai ea io ou".split(), ["", "", "n", "r", "s", "l", "t", "nd", "st", "rk"]
    out: set[str] = set()
    while len(out) < n:
        out.add("".join(rng.choice(onsets) + rng.choice(vowels) + rng.choice(codas)
                        for _ in range(rng.randint(1, 3))))
    return sorted(sorted(out), key=lambda _: rng.random())  # sorted first: set order varies per process


def _zh_tail(rng: random.Random, n: int) -> list[str]:
    chars = sorted({c for w in ZH_CONTENT + ZH_NAMES for c in w})
    out: set[str] = set()
    while len(out) < n:
        out.add("".join(rng.choice(chars) for _ in range(rng.choice((2, 2, 2, 3, 4)))))
    return sorted(sorted(out), key=lambda _: rng.random())  # sorted first: set order varies per process


class CorpusGenerator:
    """Deterministic generator: the same seed gives the same corpus."""

    def __init__(self, seed: int = 0) -> None:
        self.rng = np.random.default_rng(seed)
        shuffle = random.Random(seed + 1)
        en_content, zh_content = list(EN_CONTENT), list(ZH_CONTENT)
        shuffle.shuffle(en_content)
        shuffle.shuffle(zh_content)
        # A long tail of rare made-up words gives a realistic vocabulary size (Heaps' law):
        # domain words then match some percent of documents, tail words a few in a thousand.
        self.en = np.array([*EN_FUNCTION, *en_content, *EN_NAMES, *_en_tail(shuffle, 20_000)])
        self.en_cw = _zipf(len(self.en))
        self.zh = np.array([*ZH_FUNCTION, *zh_content, *ZH_NAMES, *_zh_tail(shuffle, 8_000)])
        self.zh_cw = _zipf(len(self.zh))

    def _length(self, median: float, sigma: float, lo: int, hi: int) -> int:
        return int(np.clip(self.rng.lognormal(math.log(median), sigma), lo, hi))

    def _words(self, vocab: np.ndarray, cw: np.ndarray, n: int) -> list[str]:
        """``n`` words by frequency, about one in 25 replaced by a number."""
        words = vocab[np.searchsorted(cw, self.rng.random(n))].tolist()
        for i in np.flatnonzero(self.rng.random(n) < 0.04).tolist():
            words[i] = self._number()
        return words

    def _number(self) -> str:
        r = self.rng.random()
        if r < 0.4:
            return str(self.rng.integers(2, 61))
        if r < 0.7:
            return f"{int(self.rng.integers(1, 100)) * 100:,}"
        if r < 0.85:
            return str(self.rng.integers(1995, 2025))
        return f"{self.rng.integers(1, 96)}%"

    def _sentence_lengths(self, total: int, median: float) -> list[int]:
        lengths = np.clip(self.rng.lognormal(math.log(median), 0.45, total // 4 + 8), 4, 70)
        lengths = lengths.astype(int)
        cut = int(np.searchsorted(np.cumsum(lengths), total)) + 1
        return lengths[:cut].tolist()

    def _paragraphs(self, sentences: list[str], joiner: str) -> str:
        paras, i = [], 0
        while i < len(sentences):
            k = int(self.rng.integers(2, 7))
            paras.append(joiner.join(sentences[i:i + k]))
            i += k
        return "\n\n".join(paras)

    def _english(self) -> str:
        lengths = self._sentence_lengths(self._length(480, 0.7, 60, 6000), 19)
        words = self._words(self.en, self.en_cw, sum(lengths))
        sentences, pos = [], 0
        for n in lengths:
            s = " ".join(words[pos:pos + n])
            pos += n
            if self.rng.random() < 0.2:
                s = EN_CONNECTORS[int(self.rng.integers(len(EN_CONNECTORS)))] + ", " + s
            sentences.append(s[0].upper() + s[1:] + ("?" if self.rng.random() < 0.05 else "."))
        return self._paragraphs(sentences, " ")

    def _chinese(self) -> str:
        # ~2.3 characters a word: a 900-character median is ~390 words
        lengths = self._sentence_lengths(self._length(390, 0.7, 50, 5000), 16)
        words = self._words(self.zh, self.zh_cw, sum(lengths))
        commas = self.rng.random(len(words)) < 0.12
        sentences, pos = [], 0
        for n in lengths:
            s = "".join(w + ("，" if commas[pos + i] and i < n - 1 else "")
                        for i, w in enumerate(words[pos:pos + n]))
            pos += n
            sentences.append(s + ("；" if self.rng.random() < 0.1 else "。"))
        return self._paragraphs(sentences, "")

    def document(self, number: int) -> GenDoc:
        r = self.rng.random()
        language = "en" if r < 0.62 else "zh" if r < 0.92 else "zh-Hant"
        if language == "en":
            text = self._english()
            picks = self.rng.integers(len(EN_FUNCTION), len(EN_FUNCTION) + len(EN_CONTENT),
                                      int(self.rng.integers(4, 10)))
            title = " ".join(self.en[picks].tolist()).capitalize()
        else:
            text = self._chinese()
            picks = self.rng.integers(len(ZH_FUNCTION), len(ZH_FUNCTION) + len(ZH_CONTENT),
                                      int(self.rng.integers(3, 8)))
            title = "".join(self.zh[picks].tolist())
        if language == "zh-Hant":
            text, title = text.translate(S2T), title.translate(S2T)
        year = min(2025, 1999 + int(self.rng.beta(3, 1.6) * 27))
        published = f"{year}-{int(self.rng.integers(1, 13)):02}-{int(self.rng.integers(1, 29)):02}"
        kind = KINDS[int(np.searchsorted(_KIND_CW, self.rng.random()))]
        tags = sorted(set(np.array(TAGS)[self.rng.integers(0, len(TAGS), int(self.rng.integers(1, 4)))].tolist()))
        return GenDoc(number, f"{title} ({number})", text, language, published, kind, tags)

    def documents(self, n: int) -> Iterator[GenDoc]:
        for i in range(n):
            yield self.document(i)


def write_files(out: Path, n: int, seed: int = 0) -> int:
    """Write ``n`` documents as HTML files under ``out`` (1,000 per folder); returns bytes written."""
    total = 0
    for doc in CorpusGenerator(seed).documents(n):
        folder = out / f"{doc.number // 1000:03}"
        folder.mkdir(parents=True, exist_ok=True)
        data = doc.html().encode("utf-8")
        (folder / f"{doc.number:06}.html").write_bytes(data)
        total += len(data)
    return total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    size = write_files(args.out, args.docs, args.seed)
    print(f"{args.docs} documents, {size / 1e6:.0f} MB under {args.out}")


if __name__ == "__main__":
    main()
