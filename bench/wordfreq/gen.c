/* gen: deterministic UTF-8 text for the wordfreq benchmark.
 *
 *   gen [N_MEGABYTES]   text of about N MiB (default 8) on stdout; stops at
 *                       the first line end at or after N * 1048576 bytes
 *   gen -a              the alphabet: every code point the text can contain,
 *                       one hex number per line (for check.sh)
 *   gen -p              the probe: "u<hex>u<c>u" for every Unicode scalar
 *                       value c except U+0000, one per line (for check.sh)
 *
 * Words come from a fixed vocabulary of 2,000 entries built from syllables
 * (ASCII and accented Latin, Greek, Cyrillic, CJK, numbers) plus a few
 * hand-written words whose case variants fold together (Straße / STRASSE /
 * STRAẞE, Σίσυφος / ΣΊΣΥΦΟΣ, ﬁnal / FINAL, ...). Word frequencies follow
 * Zipf's law (weight 1/rank); punctuation is attached to words; a line holds
 * 8 to 16 words. The PRNG is splitmix64 with a fixed seed and all arithmetic
 * is integer, so the output is the same on every machine.
 *
 * cc -std=c17 -O2 -Wall -Wextra -o gen gen.c
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { VOCAB = 2000, MAXVAR = 5, WORDMAX = 64 };

static uint64_t rng_state = 0x5eed0f0dd1ce2024u;

static uint64_t next(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static unsigned below(unsigned n)
{
    return (unsigned)(next() % n);
}

/* ---------------------------------------------------------------- tables */

static const char *const lat_syl[] = {
    "ka",  "ro",  "tan", "mi",  "sel", "vo",  "dra", "len", "po",  "ri",  "ste", "mar", "lu",
    "ben", "co",  "fi",  "ga",  "hor", "ju",  "nel", "ot",  "pra", "qui", "sa",  "tor", "ul",
    "ve",  "wen", "xa",  "yo",  "zer", "in",  "an",  "er",  "on",  "al",  "ber", "del", "gor",
    "hal", "ti",  "mun", "bro", "cle", "fen", "nor", "ast", "pel", "ric", "sto",
};
static const char *const acc_syl[] = {
    /* at least one per accented word */
    "é", "è",   "ße",  "ø",   "ü",   "ö",   "ä",  "ñ",   "ç",  "å",  "æ",  "œ",  "ê",
    "à", "grü", "fjø", "brø", "çon", "pré", "tè", "mañ", "kö", "hä", "dæ", "ßi",
};
static const char *const gr_syl[] = {
    /* σ at a word end becomes ς */
    "σι", "συ", "φο", "κα", "λη", "μέ", "ρα", "τό", "νο", "πα", "δε", "θα",
    "ξι", "χω", "ψυ", "ζω", "γε", "βί", "οσ", "ασ", "ησ", "ών", "εσ", "ει",
    "αι", "ου", "λό", "γι", "κή", "ρί", "σω", "μα", "τή", "ύσ", "ά",
};
static const char *const cy_syl[] = {
    "мо",  "ск", "ва", "ри", "же", "ё",  "щи", "ль", "ый", "ка", "ро", "до",
    "пре", "ст", "ни", "ко", "ла", "бу", "зе", "ть", "го", "ра", "чё", "ш",
    "ую",  "ин", "ов", "ек", "хо", "фи", "эт", "юг", "ця", "жи", "ъе",
};
static const char *const cjk[] = {
    "日", "本", "東", "京", "漢", "字", "中", "国", "人", "大", "学", "生", "水", "火", "山", "川",
    "田", "電", "車", "語", "文", "書", "時", "間", "天", "気", "花", "愛", "心", "手", "目", "口",
    "金", "木", "土", "月", "年", "長", "白", "黒", "雨", "雪", "風", "海", "空", "森", "道", "門",
};
static const char *const arabic_digits[] = {
    "٠", "١", "٢", "٣", "٤", "٥", "٦", "٧", "٨", "٩",
};

/* Hand-written words: variant 0 is the common form; all of a word's
 * variants fold to the same string unless noted. Ranks put them among the
 * most frequent words. */
static const struct special {
    unsigned rank;
    const char *var[MAXVAR];
} specials[] = {
    {2, {"straße", "Straße", "STRASSE", "strasse", "STRAẞE"}},
    {4, {"σίσυφος", "Σίσυφος", "ΣΊΣΥΦΟΣ", "σίσυφοσ"}},
    {6, {"москва", "Москва", "МОСКВА"}},
    {8, {"final", "Final", "FINAL", "ﬁnal"}}, /* U+FB01 ligature */
    {11, {"été", "Été", "ÉTÉ"}},
    {13, {"日本"}},
    {15, {"smørrebrød", "Smørrebrød", "SMØRREBRØD"}},
    {17, {"ёлка", "Ёлка", "ЁЛКА"}},
    {19, {"ⅻ", "Ⅻ"}},                                       /* roman numerals, Nl */
    {23, {"istanbul", "Istanbul", "ISTANBUL", "İstanbul"}}, /* İ folds to i̇ */
    {29, {"ılık", "Ilık", "ILIK"}},                         /* ı does not fold: two words */
    {31, {"προΐστορία", "ΠΡΟΪΣΤΟΡΊΑ"}},                     /* ΐ folds to 3 code points */
    {37, {"weiß", "Weiß", "WEISS", "weiss"}},
    {41, {"2024"}},
    {43, {"ǆemal", "ǅemal", "ǄEMAL"}}, /* titlecase digraph, Lt */
};

static const char *const punct_after[] = {",", ",", ",", ",", ".", ".", ".", ";", ":", "!", "?"};
static const char *const wrap_open[] = {"\"", "(", "«", "'"};
static const char *const wrap_close[] = {"\"", ")", "»", "'"};

/* ---------------------------------------------------------------- UTF-8 */

static int decode(const unsigned char *s, uint32_t *cp)
{
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if (s[0] < 0xE0) {
        *cp = (s[0] & 0x1Fu) << 6 | (s[1] & 0x3Fu);
        return 2;
    }
    if (s[0] < 0xF0) {
        *cp = (s[0] & 0x0Fu) << 12 | (s[1] & 0x3Fu) << 6 | (s[2] & 0x3Fu);
        return 3;
    }
    *cp = (s[0] & 0x07u) << 18 | (s[1] & 0x3Fu) << 12 | (s[2] & 0x3Fu) << 6 | (s[3] & 0x3Fu);
    return 4;
}

static char *encode(char *p, uint32_t cp)
{
    if (cp < 0x80) {
        *p++ = (char)cp;
    } else if (cp < 0x800) {
        *p++ = (char)(0xC0 | cp >> 6);
        *p++ = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *p++ = (char)(0xE0 | cp >> 12);
        *p++ = (char)(0x80 | (cp >> 6 & 0x3F));
        *p++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *p++ = (char)(0xF0 | cp >> 18);
        *p++ = (char)(0x80 | (cp >> 12 & 0x3F));
        *p++ = (char)(0x80 | (cp >> 6 & 0x3F));
        *p++ = (char)(0x80 | (cp & 0x3F));
    }
    return p;
}

/* Uppercase of the lowercase letters the syllable tables use. ß becomes
 * "SS"; other code points are unchanged. */
static char *upper(char *p, uint32_t c)
{
    if (c == 0xDF) {
        *p++ = 'S';
        *p++ = 'S';
        return p;
    }
    if ((c >= 'a' && c <= 'z') || (c >= 0xE0 && c <= 0xFE && c != 0xF7))
        c -= 0x20;
    else if (c == 0x153)
        c = 0x152; /* œ */
    else if (c == 0x3C2)
        c = 0x3A3; /* ς */
    else if (c >= 0x3B1 && c <= 0x3C9)
        c -= 0x20; /* α..ω */
    else if (c == 0x3AC)
        c = 0x386; /* ά */
    else if (c >= 0x3AD && c <= 0x3AF)
        c -= 0x25; /* έ ή ί */
    else if (c == 0x3CC)
        c = 0x38C; /* ό */
    else if (c >= 0x3CD && c <= 0x3CE)
        c -= 0x3F; /* ύ ώ */
    else if (c >= 0x430 && c <= 0x44F)
        c -= 0x20; /* а..я */
    else if (c >= 0x450 && c <= 0x45F)
        c -= 0x50; /* ё ... */
    return encode(p, c);
}

/* ---------------------------------------------------------------- vocabulary */

struct word {
    unsigned nvar;
    const char *var[MAXVAR];
    int cased; /* regular word with lower/Title/UPPER forms */
};

static struct word vocab[VOCAB];

static char *dupstr(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (!d) {
        perror("gen");
        exit(1);
    }
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}

/* Appends n random syllables from tab, at least one from must (if given). */
static void syllables(char *w, const char *const *tab, unsigned ntab, const char *const *must,
                      unsigned nmust, unsigned n)
{
    unsigned at = must ? below(n) : n;
    for (unsigned i = 0; i < n; i++)
        strcat(w, i == at ? must[below(nmust)] : tab[below(ntab)]);
}

static void make_word(char *w)
{
    w[0] = 0;
    unsigned kind = below(100), n = 2 + below(3);
#define N(t) (unsigned)(sizeof t / sizeof t[0])
    if (kind < 55) {
        syllables(w, lat_syl, N(lat_syl), NULL, 0, n);
    } else if (kind < 68) {
        syllables(w, lat_syl, N(lat_syl), acc_syl, N(acc_syl), n);
    } else if (kind < 78) {
        syllables(w, gr_syl, N(gr_syl), NULL, 0, n);
        size_t len = strlen(w); /* final sigma */
        if (len >= 2 && memcmp(w + len - 2, "σ", 2) == 0)
            memcpy(w + len - 2, "ς", 2);
    } else if (kind < 90) {
        syllables(w, cy_syl, N(cy_syl), NULL, 0, n);
    } else if (kind < 96) {
        syllables(w, cjk, N(cjk), NULL, 0, 1 + below(3));
    } else if (kind < 99) {
        sprintf(w, "%u", below(n == 2 ? 100 : 10000));
    } else {
        syllables(w, arabic_digits, N(arabic_digits), NULL, 0, n);
    }
#undef N
}

static int in_vocab(const char *w, unsigned upto)
{
    for (unsigned i = 0; i < upto; i++)
        if (vocab[i].nvar && strcmp(vocab[i].var[0], w) == 0)
            return 1;
    return 0;
}

static void build_vocab(void)
{
    for (size_t i = 0; i < sizeof specials / sizeof specials[0]; i++) {
        struct word *v = &vocab[specials[i].rank];
        while (v->nvar < MAXVAR && specials[i].var[v->nvar]) {
            v->var[v->nvar] = specials[i].var[v->nvar];
            v->nvar++;
        }
    }
    char w[WORDMAX * 4], t[WORDMAX * 4], u[WORDMAX * 4];
    for (unsigned r = 0; r < VOCAB; r++) {
        if (vocab[r].nvar)
            continue;
        do
            make_word(w);
        while (in_vocab(w, VOCAB));
        /* Title and UPPER forms (equal to w for CJK and digits). */
        const unsigned char *s = (const unsigned char *)w;
        char *pt = t, *pu = u;
        uint32_t c;
        int k = decode(s, &c);
        if (c == 0xDF) {
            *pt++ = 'S';
            *pt++ = 's';
        } else
            pt = upper(pt, c);
        pu = upper(pu, c);
        for (s += k; *s; s += k) {
            k = decode(s, &c);
            memcpy(pt, s, (size_t)k);
            pt += k;
            pu = upper(pu, c);
        }
        *pt = *pu = 0;
        vocab[r].var[0] = dupstr(w, strlen(w));
        vocab[r].nvar = 1;
        if (strcmp(t, w) != 0) {
            vocab[r].var[1] = dupstr(t, strlen(t));
            vocab[r].var[2] = dupstr(u, strlen(u));
            vocab[r].nvar = 3;
            vocab[r].cased = 1;
        }
    }
}

/* ---------------------------------------------------------------- text */

static uint64_t cumul[VOCAB];

static unsigned zipf(void)
{
    uint64_t x = next() % cumul[VOCAB - 1];
    unsigned lo = 0, hi = VOCAB - 1;
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        if (x < cumul[mid])
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* Form of a word: regular words are lowercase, Title at a sentence start,
 * sometimes Title or UPPER anyway; specials use variant 0 six times in ten. */
static const char *form(const struct word *v, int sentence_start)
{
    if (v->cased) {
        unsigned x = below(100);
        if (x < 4)
            return v->var[2];
        if (sentence_start || x < 7)
            return v->var[1];
        return v->var[0];
    }
    if (v->nvar == 1)
        return v->var[0];
    if (sentence_start && below(2))
        return v->var[1];
    return below(10) < 6 ? v->var[0] : v->var[1 + below(v->nvar - 1)];
}

static void text(unsigned long long limit)
{
    uint64_t sum = 0;
    for (unsigned r = 0; r < VOCAB; r++)
        cumul[r] = sum += 1000000000u / (r + 1);

    unsigned long long bytes = 0;
    int sentence_start = 1;
    char line[8192];
    while (bytes < limit) {
        char *p = line;
        unsigned nwords = 8 + below(9);
        for (unsigned i = 0; i < nwords; i++) {
            const char *w = form(&vocab[zipf()], sentence_start);
            sentence_start = 0;
            unsigned x = below(1000);
            if (x < 30) { /* wrapped: "w" (w) «w» 'w' */
                unsigned q = below(4);
                p += sprintf(p, "%s%s%s", wrap_open[q], w, wrap_close[q]);
            } else {
                p += sprintf(p, "%s", w);
            }
            if (x >= 30 && x < 150) { /* trailing punctuation */
                const char *pa = punct_after[below(sizeof punct_after / sizeof punct_after[0])];
                p += sprintf(p, "%s", pa);
                if (strchr(".!?", pa[0]))
                    sentence_start = 1;
            }
            if (i + 1 < nwords) {
                if (x >= 150 && x < 165)
                    p += sprintf(p, "—"); /* w—w */
                else if (x >= 165 && x < 175)
                    p += sprintf(p, " — ");
                else
                    *p++ = ' ';
            }
        }
        *p++ = '\n';
        fwrite(line, 1, (size_t)(p - line), stdout);
        bytes += (unsigned long long)(p - line);
    }
}

/* ---------------------------------------------------------------- check aids */

static void alphabet(void)
{
    static unsigned char seen[0x110000 / 8];
    const char *extra = " \n.,;:!?\"'()«»—";
    for (const unsigned char *s = (const unsigned char *)extra; *s;) {
        uint32_t c;
        s += decode(s, &c);
        seen[c / 8] |= (unsigned char)(1u << c % 8);
    }
    for (unsigned r = 0; r < VOCAB; r++)
        for (unsigned i = 0; i < vocab[r].nvar; i++)
            for (const unsigned char *s = (const unsigned char *)vocab[r].var[i]; *s;) {
                uint32_t c;
                s += decode(s, &c);
                seen[c / 8] |= (unsigned char)(1u << c % 8);
            }
    for (uint32_t c = 0; c < 0x110000; c++)
        if (seen[c / 8] >> c % 8 & 1)
            printf("%x\n", (unsigned)c);
}

static void probe(void)
{
    char buf[32];
    for (uint32_t c = 1; c < 0x110000; c++) {
        if (c >= 0xD800 && c <= 0xDFFF)
            continue;
        int n = sprintf(buf, "u%xu", (unsigned)c);
        char *p = encode(buf + n, c);
        *p++ = 'u';
        *p++ = '\n';
        fwrite(buf, 1, (size_t)(p - buf), stdout);
    }
}

int main(int argc, char **argv)
{
    static char obuf[1 << 16];
    setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
    if (argc > 1 && strcmp(argv[1], "-p") == 0) {
        probe();
        return fflush(stdout) != 0;
    }
    build_vocab();
    if (argc > 1 && strcmp(argv[1], "-a") == 0) {
        alphabet();
        return fflush(stdout) != 0;
    }
    unsigned long mb = 8;
    if (argc > 1) {
        char *end;
        mb = strtoul(argv[1], &end, 10);
        if (*end || mb == 0 || mb > 4096) {
            fprintf(stderr, "usage: gen [N_MEGABYTES (1..4096)] | -a | -p\n");
            return 2;
        }
    }
    text((unsigned long long)mb << 20);
    return fflush(stdout) != 0;
}
