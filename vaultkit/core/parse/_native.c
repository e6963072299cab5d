/* vaultkit.core.parse._native: the block loop of parse_note and the inline
 * line scanner (LineScanner.scan and its helpers) in C.
 *
 * The Python code in vaultkit/core/parse/__init__.py and inline.py is the
 * specification and stays the reference implementation; this file mirrors it
 * function by function and test by test (same variable names, same order), so
 * the two can be read side by side.  Frontmatter, SR cards and the assembly of
 * the Note stay in Python (parse_note_native in __init__.py).
 *
 * Differences in *how*, never in *what*:
 *
 *  - The text is not split into line objects.  Lines are [ls, le) ranges of
 *    code points in the note's text (split as split_lines does: "\n", "\r\n",
 *    "\r"; a leading BOM dropped); a str is made only for what a Note holds.
 *    Every position below is an index into the text; a column is that index
 *    minus the start of its line, so columns count code points exactly as in
 *    Python.
 *  - LineScanner.scan(text, line, base) is always called with text =
 *    raw[base:] (a suffix of the line), so scan() takes the line and base and
 *    works on raw positions: Python's `base + x` is simply the position x here.
 *  - lines_to_scan is not needed: it only saves Python the call to scan() for
 *    a line in which scan() finds nothing (tests/test_parse_lines_to_scan.py);
 *    here scanning such a line costs one pass over its characters.
 *  - Regexes are replaced by the loops they amount to (each is commented with
 *    why greedy matching without backtracking gives the same match), except
 *    for rare constructs: Markdown inline links (_MD_LINK), directives
 *    (_DIRECTIVE, re.split) and percent-decoding (urllib.parse.unquote) call
 *    the very Python objects the Python parser uses, handed over by init().
 *  - Python semantics kept: str.strip()/isspace() and regex \s are
 *    Py_UNICODE_ISSPACE, regex \w is Py_UNICODE_ISALNUM or '_', regex \d is
 *    Py_UNICODE_ISDECIMAL, str.isdigit() is Py_UNICODE_ISDIGIT.
 *
 * Elements are built as tuple.__new__(cls, items) builds them (the type's
 * tp_alloc, then the items), the way the Python parser builds them with _new.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>
#ifdef __SSE2__
/* x86-64 always has SSE2: the loops over every character of a note (candidate
 * characters, dotted-name hints) test 16 (1-byte strings) or 8 (2-byte
 * strings) characters at a time; elsewhere the plain loops do it. */
#include <emmintrin.h>
#define VK_SSE2 1
#endif

/* -- what init() hands over ------------------------------------------------- */

static struct {
    PyTypeObject *Span, *Heading, *BlockId, *Tag, *Link, *CodeBlock, *InlineCode,
        *Comment, *ScheduleComment, *Directive, *DottedName;
    PyObject *md_link_match;     /* inline._MD_LINK.match */
    PyObject *directive_match;   /* inline._DIRECTIVE.match */
    PyObject *directive_actions; /* inline._DIRECTIVE_ACTIONS */
    PyObject *codes_split;       /* re.compile(r"[\s,]+").split (what re.split uses) */
    PyObject *unquote;           /* urllib.parse.unquote */
    /* str constants */
    PyObject *s_empty, *s_body, *s_wikilink, *s_markdown, *s_html, *s_percent,
        *s_prose, *s_inline_code, *s_newline, *s_backslash, *s_start,
        *s_end, *s_replace, *s_lower, *s_upper, *s_strip, *s_lang_chars;
    int ready;
} G;

/* -- building elements -------------------------------------------------------- */

/* tuple.__new__(type, items) for n new references in items, which are stolen
 * (also when one of them is NULL: an allocation failed, the error is set).
 * MAKE(type, a, b, ...) evaluates all items first, so after a failed one the
 * others may still be made with the error set: they are only ints, str
 * slices, tuples and new references, never calls into Python code. */
static PyObject *
make(PyTypeObject *type, Py_ssize_t n, PyObject **items)
{
    Py_ssize_t k;
    PyObject *obj;
    for (k = 0; k < n; k++)
        if (items[k] == NULL)
            goto fail;
    /* an exact tuple (scan_note's result) comes from PyTuple_New and its free lists */
    obj = type == &PyTuple_Type ? PyTuple_New(n) : type->tp_alloc(type, n);
    if (obj == NULL)
        goto fail;
    for (k = 0; k < n; k++)
        PyTuple_SET_ITEM(obj, k, items[k]);
    return obj;
fail:
    for (k = 0; k < n; k++)
        Py_XDECREF(items[k]);
    return NULL;
}

#define ITEMS(...) ((PyObject *[]){__VA_ARGS__})
#define MAKE(type, ...) \
    make((type), sizeof(ITEMS(__VA_ARGS__)) / sizeof(PyObject *), ITEMS(__VA_ARGS__))

static PyObject *
new_ref(PyObject *o)
{
    Py_INCREF(o);
    return o;
}

static PyObject *
span(Py_ssize_t line, Py_ssize_t col, Py_ssize_t end_line, Py_ssize_t end_col)
{
    return MAKE(G.Span, PyLong_FromSsize_t(line), PyLong_FromSsize_t(col),
                PyLong_FromSsize_t(end_line), PyLong_FromSsize_t(end_col));
}

/* list.append(obj) for a new reference (NULL: the error is already set) */
static int
append(PyObject *list, PyObject *obj)
{
    int r;
    if (obj == NULL)
        return -1;
    r = PyList_Append(list, obj);
    Py_DECREF(obj);
    return r;
}

/* -- the note being parsed --------------------------------------------------------- */

/* A content line of an open code block: the line [ls, le) and the column its
 * content starts at; the content is raw[col:] (see parse_note's fence_body). */
typedef struct {
    Py_ssize_t ls, le, col;
} BodyLine;

typedef struct {
    BodyLine *v;
    Py_ssize_t n, cap;
} Body;

/* A dotted name with its sort key (Found.dotted is sorted by span at the end). */
typedef struct {
    Py_ssize_t line, col, end_col, seq;
    PyObject *obj;
} Dot;

typedef struct {
    PyObject *text;
    int kind;
    const void *data;
    Py_ssize_t len;
    int percent_hides; /* LineScanner.percent_hides */
    /* LineScanner.open_comment: kind (-1 None, 0 "html", 1 "percent"), start
     * line and column, body parts (a list of str) */
    int oc_kind;
    Py_ssize_t oc_line, oc_col;
    PyObject *oc_parts;
    /* Found */
    PyObject *headings, *block_ids, *tags, *links, *code_blocks, *inline_code,
        *comments, *schedules, *directives;
    Dot *dotted;
    Py_ssize_t ndotted, dotted_cap;
} Parser;

#define CH(pos) PyUnicode_READ(kind, data, (pos))
#define LOCALS(P) const int kind = (P)->kind; const void *data = (P)->data

static PyObject *
substr(Parser *P, Py_ssize_t a, Py_ssize_t b)
{
    return PyUnicode_Substring(P->text, a, b);
}

static int
is_space(Py_UCS4 c)
{
    return Py_UNICODE_ISSPACE(c);
}

/* regex \w in a str pattern */
static int
is_word(Py_UCS4 c)
{
    if (c < 128)
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    return Py_UNICODE_ISALNUM(c);
}

static int
is_ascii_alpha(Py_UCS4 c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* not text[a:b].strip() */
static int
all_space(Parser *P, Py_ssize_t a, Py_ssize_t b)
{
    LOCALS(P);
    for (; a < b; a++)
        if (!is_space(CH(a)))
            return 0;
    return 1;
}

/* text[*a:*b].strip() as a range */
static void
strip_range(Parser *P, Py_ssize_t *a, Py_ssize_t *b)
{
    LOCALS(P);
    Py_ssize_t s = *a, e = *b;
    while (s < e && is_space(CH(s)))
        s++;
    while (e > s && is_space(CH(e - 1)))
        e--;
    *a = s;
    *b = e;
}

static PyObject *
substr_strip(Parser *P, Py_ssize_t a, Py_ssize_t b)
{
    strip_range(P, &a, &b);
    return substr(P, a, b);
}

/* first index of c in text[a:b], or -1 */
static Py_ssize_t
find1(Parser *P, Py_ssize_t a, Py_ssize_t b, Py_UCS4 c)
{
    if (a >= b)
        return -1;
    return PyUnicode_FindChar(P->text, c, a, b, 1);
}

/* first index of c1 c2 in text[a:b], or -1 */
static Py_ssize_t
find2(Parser *P, Py_ssize_t a, Py_ssize_t b, Py_UCS4 c1, Py_UCS4 c2)
{
    LOCALS(P);
    for (; a + 1 < b; a++)
        if (CH(a) == c1 && CH(a + 1) == c2)
            return a;
    return -1;
}

/* first index of c1 c2 c3 in text[a:b], or -1 */
static Py_ssize_t
find3(Parser *P, Py_ssize_t a, Py_ssize_t b, Py_UCS4 c1, Py_UCS4 c2, Py_UCS4 c3)
{
    LOCALS(P);
    for (; a + 2 < b; a++)
        if (CH(a) == c1 && CH(a + 1) == c2 && CH(a + 2) == c3)
            return a;
    return -1;
}

/* Make room for one more item in the array *items of *cap items of size
 * `size`, holding n: doubles it when full.  -1 with MemoryError set. */
static int
grow(void **items, Py_ssize_t *cap, Py_ssize_t n, size_t size)
{
    Py_ssize_t want;
    void *v;
    if (n < *cap)
        return 0;
    want = *cap ? *cap * 2 : 16;
    v = PyMem_Realloc(*items, (size_t)want * size);
    if (v == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    *items = v;
    *cap = want;
    return 0;
}

static int
body_push(Body *body, Py_ssize_t ls, Py_ssize_t le, Py_ssize_t col)
{
    if (grow((void **)&body->v, &body->cap, body->n, sizeof(BodyLine)) < 0)
        return -1;
    body->v[body->n].ls = ls;
    body->v[body->n].le = le;
    body->v[body->n].col = col;
    body->n++;
    return 0;
}

/* -- helpers of parse_note (__init__.py) ------------------------------------------ */

/* _indent_width(text[a:b]): columns of leading spaces and tabs (tab stops of 4,
 * counted from a, as for a str of its own) */
static Py_ssize_t
indent_width(Parser *P, Py_ssize_t a, Py_ssize_t b)
{
    LOCALS(P);
    Py_ssize_t width = 0;
    for (; a < b; a++) {
        Py_UCS4 ch = CH(a);
        if (ch == ' ')
            width += 1;
        else if (ch == '\t')
            width += 4 - width % 4;
        else
            break;
    }
    return width;
}

/* _strip_indent(text[a:b], width): returns `removed` (the rest is text[a + removed:b]) */
static Py_ssize_t
strip_indent(Parser *P, Py_ssize_t a, Py_ssize_t b, Py_ssize_t width)
{
    LOCALS(P);
    Py_ssize_t removed = 0, col = 0;
    while (a + removed < b && col < width) {
        Py_UCS4 ch = CH(a + removed);
        if (ch == ' ')
            col += 1;
        else if (ch == '\t') {
            Py_ssize_t step = 4 - col % 4;
            if (col + step > width)
                break;
            col += step;
        }
        else
            break;
        removed += 1;
    }
    return removed;
}

/* _closes_fence(text[a:b], fence, indent) for a fence of fence_len fence_ch:
 * stripped.startswith(fence) and not stripped.strip(fence[0]) means the
 * stripped line is a run of at least fence_len fence_ch and nothing else. */
static int
closes_fence(Parser *P, Py_ssize_t a, Py_ssize_t b, Py_UCS4 fence_ch, Py_ssize_t fence_len,
             Py_ssize_t indent)
{
    LOCALS(P);
    Py_ssize_t s = a, e = b, k;
    strip_range(P, &s, &e);
    if (e - s < fence_len)
        return 0;
    for (k = s; k < e; k++)
        if (CH(k) != fence_ch)
            return 0;
    return indent_width(P, a, b) < indent + 4;
}

/* _QUOTE.match(raw), r"^(?:[ ]{0,3}>[ ]?)+": returns qm.end() - ls (the
 * prefix length), *depth = qm.group().count(">"), 0 when there is no match.
 * Greedy is the match: giving back a space never lets a '>' match sooner. */
static Py_ssize_t
quote_match(Parser *P, Py_ssize_t ls, Py_ssize_t le, Py_ssize_t *depth)
{
    LOCALS(P);
    Py_ssize_t j = ls;
    *depth = 0;
    for (;;) {
        Py_ssize_t k = j, spaces = 0;
        while (k < le && spaces < 3 && CH(k) == ' ') {
            k++;
            spaces++;
        }
        if (k < le && CH(k) == '>') {
            k++;
            if (k < le && CH(k) == ' ')
                k++;
            j = k;
            *depth += 1;
        }
        else
            break;
    }
    return j - ls;
}

/* _FENCE.match(text[a:b]), r"^([ \t]*)(`{3,}|~{3,})(.*)$" (lines hold no "\n",
 * so (.*)$ takes the rest): group 1 is [a, *g2), group 2 [*g2, *g3), group 3 [*g3, b). */
static int
fence_match(Parser *P, Py_ssize_t a, Py_ssize_t b, Py_ssize_t *g2, Py_ssize_t *g3)
{
    LOCALS(P);
    Py_ssize_t w = a, r;
    Py_UCS4 c;
    while (w < b && (CH(w) == ' ' || CH(w) == '\t'))
        w++;
    if (w >= b)
        return 0;
    c = CH(w);
    if (c != '`' && c != '~')
        return 0;
    r = w;
    while (r < b && CH(r) == c)
        r++;
    if (r - w < 3)
        return 0;
    *g2 = w;
    *g3 = r;
    return 1;
}

/* _ATX.match(text[a:b]), r"^[ ]{0,3}(#{1,6})(?:[ \t]+|$)": returns the level
 * (len(group 1)) and *end = hm.end(), 0 when there is no match.  A run of 7+
 * '#' cannot match: any shorter prefix of it is followed by '#'. */
static int
atx_match(Parser *P, Py_ssize_t a, Py_ssize_t b, Py_ssize_t *end)
{
    LOCALS(P);
    Py_ssize_t j = a, spaces = 0, h, level;
    while (j < b && spaces < 3 && CH(j) == ' ') {
        j++;
        spaces++;
    }
    h = j;
    while (h < b && CH(h) == '#')
        h++;
    level = h - j;
    if (level < 1 || level > 6)
        return 0;
    if (h < b) {
        if (CH(h) != ' ' && CH(h) != '\t')
            return 0;
        while (h < b && (CH(h) == ' ' || CH(h) == '\t'))
            h++;
    }
    *end = h;
    return (int)level;
}

/* _ATX_CLOSE.search(text[a:b]), r"(?:^|[ \t]+)#+[ \t]*$": returns close.start()
 * or -1.  The match must end the text: the last run of '#' followed only by
 * spaces and tabs, preceded by spaces and tabs (the match starts where those
 * start: the leftmost position that matches) or by nothing. */
static Py_ssize_t
atx_close_search(Parser *P, Py_ssize_t a, Py_ssize_t b)
{
    LOCALS(P);
    Py_ssize_t e = b, r, w;
    while (e > a && (CH(e - 1) == ' ' || CH(e - 1) == '\t'))
        e--;
    r = e;
    while (r > a && CH(r - 1) == '#')
        r--;
    if (r == e)
        return -1;
    w = r;
    while (w > a && (CH(w - 1) == ' ' || CH(w - 1) == '\t'))
        w--;
    if (w < r)
        return w;
    if (r == a)
        return a;
    return -1;
}

/* _SETEXT.match(text[a:b]), r"^[ ]{0,3}(=+|-+)[ \t]*$": 1 for '=', 2 for '-', 0 */
static int
setext_match(Parser *P, Py_ssize_t a, Py_ssize_t b)
{
    LOCALS(P);
    Py_ssize_t j = a, spaces = 0, r;
    Py_UCS4 c;
    while (j < b && spaces < 3 && CH(j) == ' ') {
        j++;
        spaces++;
    }
    if (j >= b)
        return 0;
    c = CH(j);
    if (c != '=' && c != '-')
        return 0;
    r = j;
    while (r < b && CH(r) == c)
        r++;
    while (r < b && (CH(r) == ' ' || CH(r) == '\t'))
        r++;
    if (r != b)
        return 0;
    return c == '=' ? 1 : 2;
}

/* _LIST.match(text[a:b]), r"^([ \t]*)([-+*]|\d{1,9}[.)])([ \t]+|$)": group 1
 * is [a, *g2), group 2 [*g2, *g3), group 3 [*g3, *end) (lm.end() = *end).
 * 10+ digits cannot match: a shorter prefix of them is followed by a digit. */
static int
list_match(Parser *P, Py_ssize_t a, Py_ssize_t b, Py_ssize_t *g2, Py_ssize_t *g3, Py_ssize_t *end)
{
    LOCALS(P);
    Py_ssize_t w = a, m, e;
    Py_UCS4 c;
    while (w < b && (CH(w) == ' ' || CH(w) == '\t'))
        w++;
    if (w >= b)
        return 0;
    c = CH(w);
    if (c == '-' || c == '+' || c == '*')
        m = w + 1;
    else {
        Py_ssize_t d = w;
        while (d < b && Py_UNICODE_ISDECIMAL(CH(d)))
            d++;
        if (d - w < 1 || d - w > 9 || d >= b || (CH(d) != '.' && CH(d) != ')'))
            return 0;
        m = d + 1;
    }
    e = m;
    if (e < b) {
        if (CH(e) != ' ' && CH(e) != '\t')
            return 0;
        while (e < b && (CH(e) == ' ' || CH(e) == '\t'))
            e++;
    }
    *g2 = w;
    *g3 = m;
    *end = e;
    return 1;
}

/* -- the inline scanner (inline.py) ------------------------------------------------ */

static int
dot_push(Parser *P, Py_ssize_t line, Py_ssize_t col, Py_ssize_t end_col, PyObject *obj)
{
    if (obj == NULL)
        return -1;
    if (grow((void **)&P->dotted, &P->dotted_cap, P->ndotted, sizeof(Dot)) < 0) {
        Py_DECREF(obj);
        return -1;
    }
    P->dotted[P->ndotted].line = line;
    P->dotted[P->ndotted].col = col;
    P->dotted[P->ndotted].end_col = end_col;
    P->dotted[P->ndotted].seq = P->ndotted;
    P->dotted[P->ndotted].obj = obj;
    P->ndotted++;
    return 0;
}

/* _DOT_HINT.search(text[a:b]), r"\.[A-Za-z_?*{]" (a loop per string kind:
 * this runs over every scanned character) */
#define IS_DOT_HINT_NEXT(c) \
    (((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z') || (c) == '_' || (c) == '?' || \
     (c) == '*' || (c) == '{')
#define DOT_HINT_LOOP(T)                                       \
    do {                                                       \
        const T *d = (const T *)data;                          \
        for (; a + 1 < b; a++)                                 \
            if (d[a] == '.' && IS_DOT_HINT_NEXT(d[a + 1]))     \
                return 1;                                      \
    } while (0)

static int
has_dot_hint(Parser *P, Py_ssize_t a, Py_ssize_t b)
{
    LOCALS(P);
    if (kind == PyUnicode_1BYTE_KIND) {
#ifdef VK_SSE2
        const Py_UCS1 *d1 = (const Py_UCS1 *)data;
        const __m128i dot = _mm_set1_epi8('.');
        /* a '.' in d1[a..a+15], with its next character inside text[:b] */
        while (a + 17 <= b) {
            int mask = _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(d1 + a)), dot));
            while (mask) {
                Py_ssize_t k = a + __builtin_ctz(mask);
                if (IS_DOT_HINT_NEXT(d1[k + 1]))
                    return 1;
                mask &= mask - 1;
            }
            a += 16;
        }
#endif
        DOT_HINT_LOOP(Py_UCS1);
    }
    else if (kind == PyUnicode_2BYTE_KIND) {
#ifdef VK_SSE2
        const Py_UCS2 *d2 = (const Py_UCS2 *)data;
        const __m128i dot = _mm_set1_epi16('.');
        while (a + 9 <= b) {
            int mask = _mm_movemask_epi8(_mm_cmpeq_epi16(_mm_loadu_si128((const __m128i *)(d2 + a)), dot));
            while (mask) {
                Py_ssize_t k = a + (__builtin_ctz(mask) >> 1);
                if (IS_DOT_HINT_NEXT(d2[k + 1]))
                    return 1;
                mask &= mask - 1;
                mask &= mask - 1; /* two bits per character */
            }
            a += 8;
        }
#endif
        DOT_HINT_LOOP(Py_UCS2);
    }
    else
        DOT_HINT_LOOP(Py_UCS4);
    return 0;
}

static int
is_word_qstar(Py_UCS4 c) /* [\w?*] */
{
    return c == '?' || c == '*' || is_word(c);
}

/* LineScanner._dotted(text[a:b], line, a - ls, context): _DOTTED.finditer over
 * the chunk, r"(?<![\w.])[A-Za-z_]\w*(?:\.(?:[A-Za-z_?*{][\w?*]*(?:\{[\w,.\-]*\}[\w?*]*)*))+",
 * the lookbehind seeing nothing before the chunk (it is a str of its own in
 * Python).  Every quantifier is followed only by optional parts or by a
 * character it cannot match, so the greedy path is the match. */
static int
dotted(Parser *P, Py_ssize_t line, Py_ssize_t ls, Py_ssize_t a, Py_ssize_t b, PyObject *context)
{
    LOCALS(P);
    Py_ssize_t p;
    if (b <= a) /* "if b > a" in scan() */
        return 0;
    if (!has_dot_hint(P, a, b)) /* "." not in chunk or not _DOT_HINT.search(chunk) */
        return 0;
    p = a;
    while (p < b) {
        Py_UCS4 c = CH(p);
        Py_ssize_t q, iters = 0;
        if (!(is_ascii_alpha(c) || c == '_') || (p > a && (is_word(CH(p - 1)) || CH(p - 1) == '.'))) {
            p++;
            continue;
        }
        q = p + 1;
        while (q < b && is_word(CH(q)))
            q++;
        for (;;) {
            Py_ssize_t r;
            Py_UCS4 f;
            if (!(q + 1 < b && CH(q) == '.'))
                break;
            f = CH(q + 1);
            if (!(is_ascii_alpha(f) || f == '_' || f == '?' || f == '*' || f == '{'))
                break;
            r = q + 2;
            while (r < b && is_word_qstar(CH(r)))
                r++;
            while (r < b && CH(r) == '{') { /* (?:\{[\w,.\-]*\}[\w?*]*)* */
                Py_ssize_t u = r + 1;
                while (u < b && (is_word(CH(u)) || CH(u) == ',' || CH(u) == '.' || CH(u) == '-'))
                    u++;
                if (!(u < b && CH(u) == '}'))
                    break;
                r = u + 1;
                while (r < b && is_word_qstar(CH(r)))
                    r++;
            }
            q = r;
            iters++;
        }
        if (!iters) {
            p++;
            continue;
        }
        if (dot_push(P, line, p - ls, q - ls,
                     MAKE(G.DottedName, substr(P, p, q), span(line, p - ls, line, q - ls),
                          new_ref(context))) < 0)
            return -1;
        p = q;
    }
    return 0;
}

/* LineScanner._finish_comment; body is a new reference (stolen) */
static int
finish_comment(Parser *P, int html, Py_ssize_t line, Py_ssize_t col, Py_ssize_t end_line,
               Py_ssize_t end_col, PyObject *body)
{
    PyObject *sp, *match = NULL, *action = NULL, *codes = NULL, *parts = NULL;
    Py_ssize_t n, k;
    int r = -1, has;
    if (body == NULL)
        return -1;
    sp = span(line, col, end_line, end_col);
    if (sp == NULL) {
        Py_DECREF(body);
        return -1;
    }
    if (append(P->comments, MAKE(G.Comment, new_ref(html ? G.s_html : G.s_percent), new_ref(body),
                                 new_ref(sp))) < 0)
        goto done;
    r = 0;
    if (!html || line != end_line)
        goto done;
    n = PyUnicode_GET_LENGTH(body);
    if (n >= 3 && PyUnicode_READ_CHAR(body, 0) == 'S' && PyUnicode_READ_CHAR(body, 1) == 'R' &&
        PyUnicode_READ_CHAR(body, 2) == ':') {
        r = append(P->schedules, MAKE(G.ScheduleComment, PyUnicode_Substring(body, 3, n), new_ref(sp)));
        goto done;
    }
    /* _DIRECTIVE is r"^\s*vaultkit\s*:..." with re.I: the first character
     * after \s* must be 'v' or 'V' (no other character lower-cases to 'v');
     * anything else that is not ASCII goes to the regex too. */
    for (k = 0; k < n && is_space(PyUnicode_READ_CHAR(body, k)); k++)
        ;
    if (k == n)
        goto done;
    {
        Py_UCS4 c = PyUnicode_READ_CHAR(body, k);
        if (c != 'v' && c != 'V' && c < 128)
            goto done;
    }
    r = -1;
    match = PyObject_CallOneArg(G.directive_match, body);
    if (match == NULL)
        goto done;
    if (match == Py_None) {
        r = 0;
        goto done;
    }
    {
        PyObject *g1 = PyObject_CallMethod(match, "group", "i", 1);
        if (g1 == NULL)
            goto done;
        action = PyObject_CallMethodNoArgs(g1, G.s_lower);
        Py_DECREF(g1);
        if (action == NULL)
            goto done;
    }
    has = PySequence_Contains(G.directive_actions, action);
    if (has < 0)
        goto done;
    if (!has) {
        r = 0;
        goto done;
    }
    {
        PyObject *g2 = PyObject_CallMethod(match, "group", "i", 2);
        if (g2 == NULL)
            goto done;
        parts = PyObject_CallOneArg(G.codes_split, g2);
        Py_DECREF(g2);
        if (parts == NULL)
            goto done;
        if (!PyList_Check(parts)) {
            PyErr_SetString(PyExc_TypeError, "split() did not return a list");
            goto done;
        }
        codes = PyList_New(0);
        if (codes == NULL)
            goto done;
        for (k = 0; k < PyList_GET_SIZE(parts); k++) {
            PyObject *c = PyList_GET_ITEM(parts, k);
            int truth = PyObject_IsTrue(c);
            if (truth < 0)
                goto done;
            if (truth && append(codes, PyObject_CallMethodNoArgs(c, G.s_upper)) < 0)
                goto done;
        }
        {
            PyObject *t = PyList_AsTuple(codes);
            Py_SETREF(codes, t);
            if (codes == NULL)
                goto done;
        }
    }
    r = append(P->directives, MAKE(G.Directive, new_ref(action), new_ref(codes), new_ref(sp)));
done:
    Py_XDECREF(match);
    Py_XDECREF(action);
    Py_XDECREF(codes);
    Py_XDECREF(parts);
    Py_DECREF(sp);
    Py_DECREF(body);
    return r;
}

/* LineScanner.continue_comment(text[a:le], line, a - ls): the position after
 * the comment's end, -1 when it does not end in the text, -2 on error */
static Py_ssize_t
continue_comment(Parser *P, Py_ssize_t line, Py_ssize_t ls, Py_ssize_t a, Py_ssize_t le)
{
    int html = P->oc_kind == 0;
    Py_ssize_t closer_len = html ? 3 : 2;
    Py_ssize_t end = html ? find3(P, a, le, '-', '-', '>') : find2(P, a, le, '%', '%');
    PyObject *parts, *body;
    if (end < 0) {
        if (append(P->oc_parts, substr(P, a, le)) < 0)
            return -2;
        return -1;
    }
    if (append(P->oc_parts, substr(P, a, end)) < 0)
        return -2;
    parts = P->oc_parts;
    P->oc_parts = NULL;
    P->oc_kind = -1; /* self.open_comment = None */
    body = PyUnicode_Join(G.s_newline, parts);
    Py_DECREF(parts);
    if (finish_comment(P, html, P->oc_line, P->oc_col, line, end - ls + closer_len, body) < 0)
        return -2;
    return end + closer_len;
}

/* LineScanner._wikilink; positions in the text, content = text[inner:end] */
static int
wikilink(Parser *P, Py_ssize_t line, Py_ssize_t ls, Py_ssize_t start, Py_ssize_t inner,
         Py_ssize_t end, int embed)
{
    LOCALS(P);
    /* Display text after the first '|'; "\|" (tables) is the same separator. */
    Py_ssize_t bar = find1(P, inner, end, '|');
    PyObject *display = NULL, *path, *anchor;
    Py_ssize_t target_a = inner, target_b = end; /* target_text */
    Py_ssize_t trimmed_a, trimmed_b, lead, hash_at, col;
    if (bar == -2)
        return -1;
    if (bar >= 0) {
        display = substr_strip(P, bar + 1, end);
        if (display == NULL)
            return -1;
        target_b = bar;
        if (target_b > target_a && CH(target_b - 1) == '\\')
            target_b -= 1;
    }
    trimmed_a = target_a;
    trimmed_b = target_b;
    strip_range(P, &trimmed_a, &trimmed_b);
    /* len(target_text) - len(target_text.lstrip()) is trimmed_a - target_a, also
     * for a target that is all whitespace (trimmed_a == target_b then) */
    lead = (trimmed_b - trimmed_a == target_b - target_a) ? 0 : trimmed_a - target_a;
    hash_at = find1(P, target_a, target_b, '#');
    if (hash_at == -2) {
        Py_XDECREF(display);
        return -1;
    }
    if (hash_at >= 0) {
        path = substr_strip(P, target_a, hash_at);
        anchor = substr_strip(P, hash_at + 1, target_b);
    }
    else {
        path = substr(P, trimmed_a, trimmed_b);
        anchor = new_ref(G.s_empty);
    }
    col = inner + lead - ls;
    return append(P->links, MAKE(G.Link, new_ref(G.s_wikilink), PyBool_FromLong(embed), path, anchor,
                                 display ? display : new_ref(Py_None),
                                 span(line, start - ls, line, end + 2 - ls),
                                 span(line, col, line, col + (trimmed_b - trimmed_a))));
}

static Py_ssize_t
match_pos(PyObject *md, PyObject *name, int group)
{
    /* md.start(group) / md.end(group) */
    PyObject *g = PyLong_FromLong(group), *v;
    Py_ssize_t r;
    if (g == NULL)
        return -1;
    v = PyObject_CallMethodOneArg(md, name, g);
    Py_DECREF(g);
    if (v == NULL)
        return -1;
    r = PyLong_AsSsize_t(v);
    Py_DECREF(v);
    return r;
}

/* LineScanner._markdown_link; md matched on the whole line (raw), so its
 * positions are columns already (Python adds base to positions in raw[base:]) */
static int
markdown_link(Parser *P, PyObject *md, Py_ssize_t line, int embed)
{
    PyObject *dest = NULL, *dest2 = NULL, *decoded = NULL, *path = NULL, *anchor = NULL, *g1 = NULL;
    Py_ssize_t dest_start, dest_len, md_start, md_end, hash_at, k;
    int r = -1;
    dest = PyObject_CallMethod(md, "group", "i", 2);
    if (dest == NULL)
        goto done;
    if (!PyUnicode_Check(dest)) {
        PyErr_SetString(PyExc_TypeError, "group(2) is not a str");
        goto done;
    }
    dest_start = match_pos(md, G.s_start, 2);
    if (dest_start == -1 && PyErr_Occurred())
        goto done;
    dest_len = PyUnicode_GET_LENGTH(dest);
    if (dest_len >= 1 && PyUnicode_READ_CHAR(dest, 0) == '<' &&
        PyUnicode_READ_CHAR(dest, dest_len - 1) == '>') {
        /* dest.startswith("<") and dest.endswith(">") */
        PyObject *t = PyUnicode_Substring(dest, 1, dest_len - 1);
        if (t == NULL)
            goto done;
        Py_SETREF(dest, t);
        dest_start += 1;
        dest_len = PyUnicode_GET_LENGTH(dest);
    }
    if (dest_len == 0) {
        r = 0;
        goto done;
    }
    /* _SCHEME.match(dest), r"^[A-Za-z][A-Za-z0-9+.\-]*:" */
    if (is_ascii_alpha(PyUnicode_READ_CHAR(dest, 0))) {
        for (k = 1; k < dest_len; k++) {
            Py_UCS4 c = PyUnicode_READ_CHAR(dest, k);
            if (!(is_ascii_alpha(c) || (c >= '0' && c <= '9') || c == '+' || c == '.' || c == '-'))
                break;
        }
        if (k < dest_len && PyUnicode_READ_CHAR(dest, k) == ':') {
            r = 0;
            goto done;
        }
    }
    dest2 = PyObject_CallMethodObjArgs(dest, G.s_replace, G.s_backslash, G.s_empty, NULL);
    if (dest2 == NULL)
        goto done;
    decoded = PyObject_CallOneArg(G.unquote, dest2);
    if (decoded == NULL)
        goto done;
    if (!PyUnicode_Check(decoded)) {
        PyErr_SetString(PyExc_TypeError, "unquote() did not return a str");
        goto done;
    }
    hash_at = PyUnicode_FindChar(decoded, '#', 0, PyUnicode_GET_LENGTH(decoded), 1);
    if (hash_at == -2)
        goto done;
    if (hash_at >= 0) {
        path = PyUnicode_Substring(decoded, 0, hash_at);
        anchor = PyUnicode_Substring(decoded, hash_at + 1, PyUnicode_GET_LENGTH(decoded));
        if (path == NULL || anchor == NULL)
            goto done;
    }
    else {
        path = new_ref(decoded);
        anchor = new_ref(G.s_empty);
    }
    md_start = match_pos(md, G.s_start, 0);
    if (md_start == -1 && PyErr_Occurred())
        goto done;
    md_end = match_pos(md, G.s_end, 0);
    if (md_end == -1 && PyErr_Occurred())
        goto done;
    g1 = PyObject_CallMethod(md, "group", "i", 1);
    if (g1 == NULL)
        goto done;
    /* embed = md.group().startswith("!"): the match starts at the '[' or '!' scanned */
    r = append(P->links, MAKE(G.Link, new_ref(G.s_markdown), PyBool_FromLong(embed), new_ref(path),
                              new_ref(anchor), new_ref(g1), span(line, md_start, line, md_end),
                              span(line, dest_start, line, dest_start + dest_len)));
done:
    Py_XDECREF(dest);
    Py_XDECREF(dest2);
    Py_XDECREF(decoded);
    Py_XDECREF(path);
    Py_XDECREF(anchor);
    Py_XDECREF(g1);
    return r;
}

/* _CANDIDATE, r"[\\`<%!\[#:]" */
static const unsigned char CANDIDATE[128] = {
    ['\\'] = 1, ['`'] = 1, ['<'] = 1, ['%'] = 1, ['!'] = 1, ['['] = 1, ['#'] = 1, [':'] = 1,
};

#define CANDIDATE_LOOP(T)                              \
    do {                                               \
        const T *d = (const T *)data;                  \
        for (; a < b; a++)                             \
            if (d[a] < 128 && CANDIDATE[d[a]])         \
                return a;                              \
    } while (0)

#ifdef VK_SSE2
/* lanes of v (8- or 16-bit, per CMPEQ/SET1) equal to one of _CANDIDATE's characters */
#define CANDIDATE_MASK(v, CMPEQ, SET1)                                                        \
    _mm_movemask_epi8(_mm_or_si128(                                                         \
        _mm_or_si128(_mm_or_si128(CMPEQ(v, SET1('\\')), CMPEQ(v, SET1('`'))),                \
                     _mm_or_si128(CMPEQ(v, SET1('<')), CMPEQ(v, SET1('%')))),                \
        _mm_or_si128(_mm_or_si128(CMPEQ(v, SET1('!')), CMPEQ(v, SET1('['))),                 \
                     _mm_or_si128(CMPEQ(v, SET1('#')), CMPEQ(v, SET1(':'))))))
#endif

/* _CANDIDATE.search(text, a) within text[:b]: the position, or b when none */
static Py_ssize_t
find_candidate(Parser *P, Py_ssize_t a, Py_ssize_t b)
{
    LOCALS(P);
    if (kind == PyUnicode_1BYTE_KIND) {
#ifdef VK_SSE2
        const Py_UCS1 *d1 = (const Py_UCS1 *)data;
        while (a + 16 <= b) {
            __m128i v = _mm_loadu_si128((const __m128i *)(d1 + a));
            int mask = CANDIDATE_MASK(v, _mm_cmpeq_epi8, _mm_set1_epi8);
            if (mask)
                return a + __builtin_ctz(mask);
            a += 16;
        }
#endif
        CANDIDATE_LOOP(Py_UCS1);
    }
    else if (kind == PyUnicode_2BYTE_KIND) {
#ifdef VK_SSE2
        const Py_UCS2 *d2 = (const Py_UCS2 *)data;
        while (a + 8 <= b) {
            __m128i v = _mm_loadu_si128((const __m128i *)(d2 + a));
            int mask = CANDIDATE_MASK(v, _mm_cmpeq_epi16, _mm_set1_epi16);
            if (mask)
                return a + (__builtin_ctz(mask) >> 1);
            a += 8;
        }
#endif
        CANDIDATE_LOOP(Py_UCS2);
    }
    else
        CANDIDATE_LOOP(Py_UCS4);
    return b;
}

/* _TAG_BODY's excluded ASCII characters, '!"#$%&()*+,.:;<=>?@^`{|}~[]\ (and \s) */
static const unsigned char TAG_STOP[128] = {
    ['\''] = 1, ['!'] = 1, ['"'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['('] = 1,
    [')'] = 1, ['*'] = 1, ['+'] = 1, [','] = 1, ['.'] = 1, [':'] = 1, [';'] = 1, ['<'] = 1,
    ['='] = 1, ['>'] = 1, ['?'] = 1, ['@'] = 1, ['^'] = 1, ['`'] = 1, ['{'] = 1, ['|'] = 1,
    ['}'] = 1, ['~'] = 1, ['['] = 1, [']'] = 1, ['\\'] = 1,
};

/* _TAG_BODY, "[^\\s\u2000-\u206f\u2e00-\u2e7f'!\"#$%&()*+,.:;<=>?@^`{|}~\\[\\]\\\\]" */
static int
is_tag_char(Py_UCS4 c)
{
    if (c < 128)
        return !TAG_STOP[c] && !is_space(c);
    if ((c >= 0x2000 && c <= 0x206f) || (c >= 0x2e00 && c <= 0x2e7f))
        return 0;
    return !is_space(c);
}

/* _SCHEME_CHARS */
static int
is_scheme_char(Py_UCS4 c)
{
    return is_ascii_alpha(c) || (c >= '0' && c <= '9') || c == '+' || c == '.' || c == '-';
}

/* _URL_TAIL, r"[^\s<>()\[\]`]*" */
static int
is_url_char(Py_UCS4 c)
{
    return !(c == '<' || c == '>' || c == '(' || c == ')' || c == '[' || c == ']' || c == '`' ||
             is_space(c));
}

static int
is_block_id_char(Py_UCS4 c) /* [A-Za-z0-9-] */
{
    return is_ascii_alpha(c) || (c >= '0' && c <= '9') || c == '-';
}

/* _close_backticks(text, start, n) over text[start:b]: the next run of exactly
 * n backticks (text[start] is never one: the opening run was taken whole) */
static Py_ssize_t
close_backticks(Parser *P, Py_ssize_t start, Py_ssize_t b, Py_ssize_t n)
{
    LOCALS(P);
    Py_ssize_t k = start;
    while (k < b) {
        Py_ssize_t run;
        if (CH(k) != '`') {
            k++;
            continue;
        }
        run = k;
        while (k < b && CH(k) == '`')
            k++;
        if (k - run == n)
            return run;
    }
    return -1;
}

/* LineScanner.scan(raw[base:], line, base, block_ids=block_ids) for the line
 * raw = text[ls:le]; t0 = ls + base is where the scanned text starts. */
static int
scan(Parser *P, Py_ssize_t line, Py_ssize_t ls, Py_ssize_t le, Py_ssize_t base, int block_ids)
{
    LOCALS(P);
    const Py_ssize_t t0 = ls + base, n = le;
    Py_ssize_t pos = t0, text_start;
    PyObject *raw = NULL; /* the line as a str, made for _MD_LINK only */
    int dots;
    if (P->oc_kind >= 0) {
        pos = continue_comment(P, line, ls, t0, le);
        if (pos == -2)
            return -1;
        if (pos < 0)
            return 0;
    }
    /* Dotted names are looked for in the plain-text runs between elements and
     * in code spans, all parts of text[pos:]: without a hint there, none is.
     * (Found.dotted is sorted by span at the end, so each plain run is looked
     * at as soon as it ends instead of all of them after the loop.) */
    dots = has_dot_hint(P, pos, n);
    text_start = pos; /* start of the current plain-text run (for dotted names) */
    while (pos < n) {
        Py_ssize_t start = find_candidate(P, pos, n); /* m = search(text, pos) */
        Py_UCS4 c;
        if (start >= n)
            break;
        c = CH(start);
        if (c == '[' || c == '!') {
            int embed = c == '!';
            Py_ssize_t bracket = embed ? start + 1 : start;
            if (bracket + 1 < n && CH(bracket) == '[' && CH(bracket + 1) == '[') {
                Py_ssize_t inner = bracket + 2;
                Py_ssize_t end = find2(P, inner, n, ']', ']');
                if (end <= inner) { /* not found (-1) or empty */
                    pos = inner;
                    continue;
                }
                if (dots && dotted(P, line, ls, text_start, start, G.s_prose) < 0)
                    goto error;
                if (wikilink(P, line, ls, start, inner, end, embed) < 0)
                    goto error;
                pos = text_start = end + 2;
                continue;
            }
            /* _MD_LINK needs "](" after the '[': without one it cannot match */
            if (bracket < n && CH(bracket) == '[' && find2(P, bracket + 1, n, ']', '(') >= 0) {
                PyObject *md;
                if (raw == NULL && (raw = substr(P, ls, le)) == NULL)
                    goto error;
                md = PyObject_CallFunction(G.md_link_match, "On", raw, start - ls);
                if (md == NULL)
                    goto error;
                if (md != Py_None) {
                    Py_ssize_t md_end = match_pos(md, G.s_end, 0);
                    int r;
                    if (md_end == -1 && PyErr_Occurred()) {
                        Py_DECREF(md);
                        goto error;
                    }
                    if (dots && dotted(P, line, ls, text_start, start, G.s_prose) < 0) {
                        Py_DECREF(md);
                        goto error;
                    }
                    r = markdown_link(P, md, line, embed);
                    Py_DECREF(md);
                    if (r < 0)
                        goto error;
                    pos = text_start = ls + md_end;
                    continue;
                }
                Py_DECREF(md);
            }
            /* only this character is consumed: after a '!' that starts nothing,
             * the next one may ("Hi!<!-- -->", "Wow!`x`", "!\\[") */
            pos = start + 1;
            continue;
        }
        if (c == '#') {
            Py_ssize_t body_end;
            if (start > t0 && !is_space(CH(start - 1))) {
                pos = start + 1;
                continue;
            }
            body_end = start + 1; /* _TAG_BODY.match(text, start + 1) */
            while (body_end < n && is_tag_char(CH(body_end)))
                body_end++;
            if (body_end > start + 1) {
                /* name = body.group().rstrip("/") */
                Py_ssize_t end = body_end, k;
                int only_digits = 1;
                while (end > start + 1 && CH(end - 1) == '/')
                    end--;
                /* not a tag when only digits (and '/'); name does not end with '/' */
                for (k = start + 1; k < end; k++) {
                    Py_UCS4 d = CH(k);
                    if (d != '/' && !Py_UNICODE_ISDIGIT(d)) {
                        only_digits = 0;
                        break;
                    }
                }
                if (end > start + 1 && !only_digits) {
                    if (append(P->tags, MAKE(G.Tag, substr(P, start + 1, end),
                                             span(line, start - ls, line, end - ls),
                                             new_ref(G.s_body))) < 0)
                        goto error;
                }
                pos = body_end;
            }
            else
                pos = start + 1;
            continue;
        }
        if (c == '`') {
            Py_ssize_t k = start + 1, close, content_a, content_b, end;
            while (k < n && CH(k) == '`')
                k++;
            k -= start;
            close = close_backticks(P, start + k, n, k);
            if (close < 0) {
                pos = start + k;
                continue;
            }
            if (dots && dotted(P, line, ls, text_start, start, G.s_prose) < 0)
                goto error;
            content_a = start + k; /* offset */
            content_b = close;
            if (content_b - content_a >= 2 && CH(content_a) == ' ' && CH(content_b - 1) == ' ' &&
                !all_space(P, content_a, content_b)) {
                content_a += 1; /* CommonMark strips one space each side */
                content_b -= 1;
            }
            end = close + k;
            if (append(P->inline_code, MAKE(G.InlineCode, substr(P, content_a, content_b),
                                            span(line, start - ls, line, end - ls))) < 0)
                goto error;
            if (dots && dotted(P, line, ls, content_a, content_b, G.s_inline_code) < 0)
                goto error;
            pos = text_start = end;
            continue;
        }
        if (c == '\\') {
            pos = start + 2;
            continue;
        }
        if ((c == '<' && start + 3 < n && CH(start + 1) == '!' && CH(start + 2) == '-' &&
             CH(start + 3) == '-') ||
            (c == '%' && P->percent_hides && start + 1 < n && CH(start + 1) == '%')) {
            int html = c == '<';
            Py_ssize_t opener_len = html ? 4 : 2, closer_len = html ? 3 : 2, end;
            if (dots && dotted(P, line, ls, text_start, start, G.s_prose) < 0)
                goto error;
            end = html ? find3(P, start + opener_len, n, '-', '-', '>')
                       : find2(P, start + opener_len, n, '%', '%');
            if (end < 0) {
                P->oc_parts = PyList_New(0);
                if (P->oc_parts == NULL)
                    goto error;
                P->oc_kind = html ? 0 : 1;
                P->oc_line = line;
                P->oc_col = start - ls;
                if (append(P->oc_parts, substr(P, start + opener_len, n)) < 0)
                    goto error;
                pos = text_start = n;
                break;
            }
            if (finish_comment(P, html, line, start - ls, line, end + closer_len - ls,
                               substr(P, start + opener_len, end)) < 0)
                goto error;
            pos = text_start = end + closer_len;
            continue;
        }
        if (c == ':' && start + 2 < n && CH(start + 1) == '/' && CH(start + 2) == '/') {
            /* a URL, consumed whole from its scheme to the next space */
            Py_ssize_t scheme = start;
            while (scheme > text_start && is_scheme_char(CH(scheme - 1)))
                scheme--;
            if (scheme < start) {
                Py_ssize_t tail = start + 3;
                if (dots && dotted(P, line, ls, text_start, scheme, G.s_prose) < 0)
                    goto error;
                while (tail < n && is_url_char(CH(tail)))
                    tail++;
                pos = text_start = tail;
                continue;
            }
        }
        pos = start + 1;
    }
    if (dots && dotted(P, line, ls, text_start, n, G.s_prose) < 0)
        goto error;
    if (block_ids && text_start < n) {
        /* _BLOCK_ID.search(text, text_start), r"(?:^|[ \t])\^([A-Za-z0-9-]+)[ \t]*$"
         * where ^ is the start of text (t0), not text_start: the match ends the
         * text, so it is the id that ends it (after spaces and tabs). */
        Py_ssize_t e = n, r, caret, s = -1;
        while (e > text_start && (CH(e - 1) == ' ' || CH(e - 1) == '\t'))
            e--;
        r = e;
        while (r > text_start && is_block_id_char(CH(r - 1)))
            r--;
        caret = r - 1;
        if (r < e && caret >= text_start && CH(caret) == '^') {
            if (caret == t0)
                s = caret;
            else if (caret - 1 >= text_start && (CH(caret - 1) == ' ' || CH(caret - 1) == '\t'))
                s = caret;
        }
        if (s >= 0) {
            if (append(P->block_ids, MAKE(G.BlockId, substr(P, r, e),
                                          span(line, s - ls, line, e - ls))) < 0)
                goto error;
        }
    }
    Py_XDECREF(raw);
    return 0;
error:
    Py_XDECREF(raw);
    return -1;
}

/* -- parse_note's block loop ------------------------------------------------------ */

/* _BLOCK_CHARS: first characters that may start something other than paragraph text */
static const unsigned char BLOCK_CHARS[128] = {
    [' '] = 1, ['\t'] = 1, ['>'] = 1, ['-'] = 1, ['+'] = 1, ['*'] = 1, ['0'] = 1, ['1'] = 1,
    ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
    ['`'] = 1, ['~'] = 1, ['#'] = 1, ['$'] = 1, ['='] = 1, ['|'] = 1,
};

/* The end of the line that starts at ls; *next is where the next line starts,
 * -1 after the last line (split_lines: "\r\n", "\r" and "\n" end a line). */
static Py_ssize_t
line_end(Parser *P, Py_ssize_t ls, Py_ssize_t *next)
{
    LOCALS(P);
    const Py_ssize_t len = P->len;
    Py_ssize_t e = ls;
#ifdef VK_SSE2
    if (kind == PyUnicode_1BYTE_KIND) {
        const Py_UCS1 *d = (const Py_UCS1 *)data;
        const __m128i nl = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r');
        while (e + 16 <= len) {
            __m128i v = _mm_loadu_si128((const __m128i *)(d + e));
            int mask = _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, nl), _mm_cmpeq_epi8(v, cr)));
            if (mask) {
                e += __builtin_ctz(mask);
                goto found;
            }
            e += 16;
        }
    }
    else if (kind == PyUnicode_2BYTE_KIND) {
        const Py_UCS2 *d = (const Py_UCS2 *)data;
        const __m128i nl = _mm_set1_epi16('\n'), cr = _mm_set1_epi16('\r');
        while (e + 8 <= len) {
            __m128i v = _mm_loadu_si128((const __m128i *)(d + e));
            int mask = _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi16(v, nl), _mm_cmpeq_epi16(v, cr)));
            if (mask) {
                e += __builtin_ctz(mask) >> 1;
                goto found;
            }
            e += 8;
        }
    }
#endif
    for (; e < len; e++) {
        Py_UCS4 c = CH(e);
        if (c == '\n' || c == '\r')
            break;
    }
#ifdef VK_SSE2
found:
#endif
    if (e >= len)
        *next = -1;
    else if (CH(e) == '\r' && e + 1 < len && CH(e + 1) == '\n')
        *next = e + 2;
    else
        *next = e + 1;
    return e;
}

static int
is_lang_strip(Py_UCS4 c) /* strip("{}.") */
{
    return c == '{' || c == '}' || c == '.';
}

/* _code(info, marker, start, end, lines, body, cols, closed): end_len is
 * len(lines[end]), start_len len(lines[start]) */
static int
code(Parser *P, PyObject *info, PyObject *marker, Py_ssize_t start, Py_ssize_t end,
     Py_ssize_t end_len, Py_ssize_t start_len, Body *body, int closed)
{
    PyObject *lang = NULL, *lines = NULL, *cols = NULL;
    Py_ssize_t n = PyUnicode_GET_LENGTH(info), k;
    if (n == 0)
        lang = new_ref(G.s_empty);
    else {
        /* info.split(None, 1)[0].lower().strip("{}.") (info is stripped) */
        int ascii = 1;
        Py_ssize_t w = 0, a, b;
        while (w < n && !is_space(PyUnicode_READ_CHAR(info, w)))
            w++;
        for (k = 0; k < w; k++)
            if (PyUnicode_READ_CHAR(info, k) >= 128)
                ascii = 0;
        if (ascii) {
            /* ASCII: lower() is A-Z -> a-z; strip("{}.") does not depend on case */
            a = 0;
            b = w;
            while (a < b && is_lang_strip(PyUnicode_READ_CHAR(info, a)))
                a++;
            while (b > a && is_lang_strip(PyUnicode_READ_CHAR(info, b - 1)))
                b--;
            lang = PyUnicode_New(b - a, 127);
            if (lang == NULL)
                return -1;
            for (k = a; k < b; k++) {
                Py_UCS4 c = PyUnicode_READ_CHAR(info, k);
                PyUnicode_WRITE(PyUnicode_1BYTE_KIND, PyUnicode_DATA(lang), k - a,
                                (c >= 'A' && c <= 'Z') ? c + 32 : c);
            }
        }
        else {
            PyObject *word = PyUnicode_Substring(info, 0, w), *lower;
            if (word == NULL)
                return -1;
            lower = PyObject_CallMethodNoArgs(word, G.s_lower);
            Py_DECREF(word);
            if (lower == NULL)
                return -1;
            lang = PyObject_CallMethodOneArg(lower, G.s_strip, G.s_lang_chars);
            Py_DECREF(lower);
            if (lang == NULL)
                return -1;
        }
    }
    if (end < start) { /* end = max(start, end) */
        end = start;
        end_len = start_len;
    }
    lines = PyTuple_New(body->n);
    cols = PyTuple_New(body->n);
    if (lines == NULL || cols == NULL)
        goto error;
    for (k = 0; k < body->n; k++) {
        BodyLine *bl = &body->v[k];
        PyObject *s = substr(P, bl->ls + bl->col, bl->le), *c;
        if (s == NULL)
            goto error;
        PyTuple_SET_ITEM(lines, k, s);
        c = PyLong_FromSsize_t(bl->col);
        if (c == NULL)
            goto error;
        PyTuple_SET_ITEM(cols, k, c);
    }
    return append(P->code_blocks,
                  MAKE(G.CodeBlock, new_ref(info), lang, new_ref(marker), span(start, 0, end, end_len),
                       PyLong_FromSsize_t(start + 1), lines, cols, PyBool_FromLong(closed)));
error:
    Py_XDECREF(lang);
    Py_XDECREF(lines);
    Py_XDECREF(cols);
    return -1;
}

/* close_indented() for an indented block starting at line start */
static int
close_indented(Parser *P, Py_ssize_t start, Body *body)
{
    PyObject *lines, *cols;
    Py_ssize_t k, last;
    BodyLine *bl;
    while (body->n && all_space(P, body->v[body->n - 1].ls + body->v[body->n - 1].col,
                                body->v[body->n - 1].le))
        body->n--;
    if (body->n == 0)
        return 0;
    last = start + body->n - 1;
    bl = &body->v[body->n - 1];
    lines = PyTuple_New(body->n);
    cols = PyTuple_New(body->n);
    if (lines == NULL || cols == NULL)
        goto error;
    for (k = 0; k < body->n; k++) {
        PyObject *s = substr(P, body->v[k].ls + body->v[k].col, body->v[k].le), *c;
        if (s == NULL)
            goto error;
        PyTuple_SET_ITEM(lines, k, s);
        c = PyLong_FromSsize_t(body->v[k].col);
        if (c == NULL)
            goto error;
        PyTuple_SET_ITEM(cols, k, c);
    }
    body->n = 0;
    return append(P->code_blocks,
                  MAKE(G.CodeBlock, new_ref(G.s_empty), new_ref(G.s_empty), new_ref(G.s_empty),
                       span(start, 0, last, bl->le - bl->ls), PyLong_FromSsize_t(start), lines, cols,
                       new_ref(Py_True)));
error:
    Py_XDECREF(lines);
    Py_XDECREF(cols);
    return -1;
}

/* _heading(headings, raw, i, prefix_len, content, hm) with content =
 * text[a:le], level and hm_end from atx_match: returns where the heading text
 * starts (hm.end()), -1 on error */
static Py_ssize_t
heading(Parser *P, Py_ssize_t i, Py_ssize_t ls, Py_ssize_t le, Py_ssize_t prefix_len, int level,
        Py_ssize_t hm_end)
{
    LOCALS(P);
    Py_ssize_t text_start = hm_end, ht_a = text_start, ht_b = le; /* heading_text */
    if (find1(P, ht_a, ht_b, '#') >= 0) {
        Py_ssize_t close = atx_close_search(P, ht_a, ht_b);
        if (close >= 0) {
            int closes = close > ht_a;
            if (!closes) { /* heading_text.strip().strip("#") == "" */
                Py_ssize_t s = ht_a, e = ht_b, k;
                strip_range(P, &s, &e);
                closes = 1;
                for (k = s; k < e; k++)
                    if (CH(k) != '#') {
                        closes = 0;
                        break;
                    }
            }
            if (closes)
                ht_b = close;
        }
    }
    if (append(P->headings, MAKE(G.Heading, PyLong_FromLong(level), substr_strip(P, ht_a, ht_b),
                                 span(i, prefix_len, i, le - ls))) < 0)
        return -1;
    return text_start;
}

static int
dot_cmp(const void *x, const void *y)
{
    const Dot *a = x, *b = y;
    if (a->line != b->line)
        return a->line < b->line ? -1 : 1;
    if (a->col != b->col)
        return a->col < b->col ? -1 : 1;
    if (a->end_col != b->end_col)
        return a->end_col < b->end_col ? -1 : 1;
    return a->seq < b->seq ? -1 : (a->seq > b->seq);
}

static void
parser_clear(Parser *P)
{
    Py_ssize_t k;
    Py_CLEAR(P->oc_parts);
    Py_CLEAR(P->headings);
    Py_CLEAR(P->block_ids);
    Py_CLEAR(P->tags);
    Py_CLEAR(P->links);
    Py_CLEAR(P->code_blocks);
    Py_CLEAR(P->inline_code);
    Py_CLEAR(P->comments);
    Py_CLEAR(P->schedules);
    Py_CLEAR(P->directives);
    for (k = 0; k < P->ndotted; k++)
        Py_DECREF(P->dotted[k].obj);
    PyMem_Free(P->dotted);
    P->dotted = NULL;
    P->ndotted = 0;
}

PyDoc_STRVAR(scan_note_doc,
"scan_note(text, first, percent_comments_hide_links) -> tuple\n\n"
"parse_note's block loop and inline scanning of text from line `first` on:\n"
"(headings, block_ids, tags, links, code_blocks, inline_code, comments,\n"
"schedules, directives, dotted_names, line_count), the element tuples as the\n"
"Python parser's Note holds them (tags: body tags only; dotted_names sorted).");

static PyObject *
scan_note(PyObject *self, PyObject *args)
{
    PyObject *text, *result = NULL;
    Py_ssize_t first;
    int percent_hides;
    Parser P;
    int kind;
    const void *data;
    Py_ssize_t i, ls, le = 0, next = 0, last_len = 0;

    /* Open fence: its marker ("```", "~~~~") as a str and as (fence_ch,
     * fence_len), else NULL; the depth of the quote prefix it opened in (0 for
     * none: fence_quote is "" then), its indent width, start line, info
     * string, content lines (with their columns). */
    PyObject *fence = NULL, *fence_info = NULL;
    Py_UCS4 fence_ch = 0;
    Py_ssize_t fence_len = 0, fence_quote = 0, fence_indent = 0, fence_start = 0, fence_start_len = 0;
    Body fence_body = {NULL, 0, 0};
    /* open indented code block: [start line, lines, columns] */
    int indented = 0;
    Py_ssize_t indented_start = 0;
    Body indented_body = {NULL, 0, 0};
    int math_open = 0;
    Py_ssize_t list_indent = -1; /* content column of the innermost open list item, -1 when none */
    int prev_blank = 1;
    /* The last line if it was a plain paragraph line (a setext underline makes
     * it a heading): its index, -1 when it was not, the column its text starts
     * at, and where it is in the text. */
    Py_ssize_t para_line = -1, para_col = 0, para_ls = 0, para_le = 0;
    Py_ssize_t prev_len = 0; /* len(lines[i - 1]) */

    (void)self;
    if (!PyArg_ParseTuple(args, "Unp:scan_note", &text, &first, &percent_hides))
        return NULL;
    if (!G.ready) {
        PyErr_SetString(PyExc_RuntimeError, "vaultkit.core.parse._native.init() was not called");
        return NULL;
    }
    if (PyUnicode_READY(text) < 0)
        return NULL;
    memset(&P, 0, sizeof(P));
    P.text = text;
    P.kind = kind = PyUnicode_KIND(text);
    P.data = data = PyUnicode_DATA(text);
    P.len = PyUnicode_GET_LENGTH(text);
    P.percent_hides = percent_hides;
    P.oc_kind = -1;
    if (!(P.headings = PyList_New(0)) || !(P.block_ids = PyList_New(0)) || !(P.tags = PyList_New(0)) ||
        !(P.links = PyList_New(0)) || !(P.code_blocks = PyList_New(0)) ||
        !(P.inline_code = PyList_New(0)) || !(P.comments = PyList_New(0)) ||
        !(P.schedules = PyList_New(0)) || !(P.directives = PyList_New(0)))
        goto error;

    /* split_lines: a leading BOM is not part of line 0 */
    ls = (P.len > 0 && CH(0) == 0xFEFF) ? 1 : 0;
    for (i = 0; ls >= 0; i++, prev_len = le - ls, ls = next) {
        Py_ssize_t prefix_len, depth, a, width, lm_g2 = 0, lm_g3 = 0, lm_end = 0, fm_g2 = 0, fm_g3 = 0;
        Py_ssize_t content_offset, content_start, hm_end = 0;
        int blank, lm, fm, hm, sm;
        le = line_end(&P, ls, &next);
        if (i < first)
            continue;
        /* raw = lines[i] = text[ls:le] */
        /* -- inside a fenced code block ------------------------------------------ */
        if (fence != NULL) {
            if (!fence_quote) {
                /* Outside a quote (nearly every fence): no quote prefix to take off. */
                if (closes_fence(&P, ls, le, fence_ch, fence_len, fence_indent)) {
                    if (code(&P, fence_info, fence, fence_start, i, le - ls, fence_start_len, &fence_body, 1) < 0)
                        goto error;
                    Py_CLEAR(fence);
                    Py_CLEAR(fence_info);
                    prev_blank = 1;
                    continue;
                }
                if (fence_indent) {
                    Py_ssize_t removed = strip_indent(&P, ls, le, fence_indent);
                    if (body_push(&fence_body, ls, le, removed) < 0)
                        goto error;
                }
                else if (body_push(&fence_body, ls, le, 0) < 0)
                    goto error;
                continue;
            }
            prefix_len = quote_match(&P, ls, le, &depth);
            if (depth == 0 || depth < fence_quote) {
                /* A fence inside a blockquote ends where the quote ends. */
                if (code(&P, fence_info, fence, fence_start, i - 1, prev_len, fence_start_len, &fence_body, 0) < 0)
                    goto error;
                Py_CLEAR(fence);
                Py_CLEAR(fence_info);
            }
            else {
                Py_ssize_t removed;
                a = ls + prefix_len; /* content = raw[prefix_len:] */
                if (closes_fence(&P, a, le, fence_ch, fence_len, fence_indent)) {
                    if (code(&P, fence_info, fence, fence_start, i, le - ls, fence_start_len, &fence_body, 1) < 0)
                        goto error;
                    Py_CLEAR(fence);
                    Py_CLEAR(fence_info);
                    prev_blank = 1;
                    continue;
                }
                removed = strip_indent(&P, a, le, fence_indent);
                if (body_push(&fence_body, ls, le, prefix_len + removed) < 0)
                    goto error;
                continue;
            }
        }
        /* -- inside a comment that started on an earlier line ------------------------ */
        if (P.oc_kind >= 0) {
            Py_ssize_t pos = continue_comment(&P, i, ls, ls, le);
            if (pos == -2)
                goto error;
            if (pos < 0)
                continue;
            /* rest = raw[pos:] */
            if (!all_space(&P, pos, le) && scan(&P, i, ls, le, pos - ls, 1) < 0)
                goto error;
            prev_blank = all_space(&P, ls, le);
            para_line = -1;
            continue;
        }

        if (math_open) {
            /* raw.rstrip().endswith("$$") */
            Py_ssize_t e = le;
            while (e > ls && is_space(CH(e - 1)))
                e--;
            if (e - ls >= 2 && CH(e - 1) == '$' && CH(e - 2) == '$')
                math_open = 0;
            continue;
        }
        if (!indented) {
            Py_UCS4 c0 = le > ls ? CH(ls) : 0;
            if (le > ls && !(c0 < 128 && BLOCK_CHARS[c0])) {
                /* Fast path: a line starting with an ordinary character at column 0
                 * is paragraph text (most lines of a note); most of those hold
                 * nothing for the inline scanner either. */
                if (list_indent >= 0 && prev_blank)
                    list_indent = -1;
                if (scan(&P, i, ls, le, 0, 1) < 0)
                    goto error;
                para_line = i;
                para_col = 0;
                para_ls = ls;
                para_le = le;
                prev_blank = 0;
                continue;
            }
            if (le == ls || all_space(&P, ls, le)) { /* not raw or raw.isspace() */
                prev_blank = 1;
                para_line = -1;
                continue;
            }
            if (c0 == '#') {
                /* At column 0 '#' is an ATX heading or paragraph text ("#tag"). */
                hm = atx_match(&P, ls, le, &hm_end);
                if (list_indent >= 0 && (prev_blank || hm))
                    list_indent = -1;
                prev_blank = 0;
                if (hm) {
                    Py_ssize_t text_start = heading(&P, i, ls, le, 0, hm, hm_end);
                    if (text_start < 0)
                        goto error;
                    if (scan(&P, i, ls, le, text_start - ls, 0) < 0)
                        goto error;
                    para_line = -1;
                }
                else {
                    if (scan(&P, i, ls, le, 0, 1) < 0)
                        goto error;
                    para_line = i;
                    para_col = 0;
                    para_ls = ls;
                    para_le = le;
                }
                continue;
            }
        }

        prefix_len = quote_match(&P, ls, le, &depth); /* qm; quote is non-empty when depth > 0 */
        a = ls + prefix_len;                          /* content = raw[prefix_len:] */
        blank = all_space(&P, a, le);

        /* -- indented code (not inside lists, cannot interrupt a paragraph) ---------- */
        if (indented) {
            if (blank || indent_width(&P, a, le) >= 4) {
                Py_ssize_t removed = strip_indent(&P, a, le, 4);
                if (body_push(&indented_body, ls, le, prefix_len + removed) < 0)
                    goto error;
                continue;
            }
            if (close_indented(&P, indented_start, &indented_body) < 0)
                goto error;
            indented = 0;
        }
        if (blank) {
            prev_blank = 1;
            para_line = -1;
            continue;
        }

        width = indent_width(&P, a, le);
        lm = list_match(&P, a, le, &lm_g2, &lm_g3, &lm_end);
        if (lm && width < (list_indent >= 0 ? list_indent + 4 : 4)) {
            /* groups: 1 = [a, lm_g2), 2 = [lm_g2, lm_g3), 3 = [lm_g3, lm_end) */
            Py_ssize_t spaces = lm_end > lm_g3 ? indent_width(&P, lm_g3, lm_end) : 1;
            list_indent = indent_width(&P, a, lm_g2) + (lm_g3 - lm_g2) + ((0 < spaces && spaces <= 4) ? spaces : 1);
        }
        else if (list_indent >= 0 && indent_width(&P, ls, le) < list_indent &&
                 (prev_blank || depth > 0 || fence_match(&P, a, le, &fm_g2, &fm_g3) ||
                  atx_match(&P, a, le, &hm_end))) {
            /* Less indented than the item's content: after a blank line anything ends
             * the list; without one, only a new block (quote, fence, heading) does,
             * plain text being a lazy continuation of the item's paragraph. */
            list_indent = -1;
        }

        /* -- fenced code -------------------------------------------------------------- */
        content_start = a; /* where fm's group 1 starts: content, or inner */
        fm = fence_match(&P, a, le, &fm_g2, &fm_g3);
        if (lm && !fm) {
            /* "- ```python": a fence opening right after a list marker */
            Py_ssize_t inner = lm_end, g2, g3; /* content[lm.end():] */
            if (fence_match(&P, inner, le, &g2, &g3) && indent_width(&P, inner, g2) < 4) {
                fm = 1;
                fm_g2 = g2;
                fm_g3 = g3;
                content_start = inner;
                content_offset = lm_end - a;
            }
            else
                content_offset = 0;
        }
        else
            content_offset = 0;
        if (fm) {
            Py_ssize_t fence_width = indent_width(&P, content_start, fm_g2) + (content_offset ? list_indent : 0);
            Py_ssize_t allowed = list_indent < 0 ? 3 : list_indent + 3;
            Py_ssize_t info_a = fm_g3, info_b = le; /* info = fm.group(3).strip() */
            Py_UCS4 marker0 = CH(fm_g2);
            strip_range(&P, &info_a, &info_b);
            if (fence_width <= allowed && !(marker0 == '`' && find1(&P, info_a, info_b, '`') >= 0)) {
                fence = substr(&P, fm_g2, fm_g3);
                fence_info = substr(&P, info_a, info_b);
                if (fence == NULL || fence_info == NULL)
                    goto error;
                fence_ch = marker0;
                fence_len = fm_g3 - fm_g2;
                fence_quote = depth;
                fence_indent = fence_width;
                fence_start = i;
                fence_start_len = le - ls;
                fence_body.n = 0;
                para_line = -1;
                continue;
            }
        }
        if (width >= 4 && prev_blank && list_indent < 0) {
            Py_ssize_t removed = strip_indent(&P, a, le, 4);
            indented = 1;
            indented_start = i;
            indented_body.n = 0;
            if (body_push(&indented_body, ls, le, prefix_len + removed) < 0)
                goto error;
            continue;
        }
        /* -- display math: $$ ... $$ is not prose ---------------------------------------- */
        {
            Py_ssize_t s = a, e = le; /* stripped = content.strip() */
            strip_range(&P, &s, &e);
            if (e - s >= 2 && CH(s) == '$' && CH(s + 1) == '$') {
                if (!(e - s >= 4 && CH(e - 1) == '$' && CH(e - 2) == '$'))
                    math_open = 1;
                para_line = -1;
                continue;
            }
        }

        /* -- headings --------------------------------------------------------------------- */
        hm = atx_match(&P, a, le, &hm_end);
        if (hm) {
            Py_ssize_t text_start = heading(&P, i, ls, le, prefix_len, hm, hm_end);
            if (text_start < 0)
                goto error;
            if (scan(&P, i, ls, le, text_start - ls, 0) < 0)
                goto error;
            prev_blank = 0;
            para_line = -1;
            continue;
        }
        sm = setext_match(&P, a, le);
        if (sm && para_line >= 0 && !lm) {
            /* ptext = lines[para_line][para_col:] */
            if (append(P.headings, MAKE(G.Heading, PyLong_FromLong(sm),
                                        substr_strip(&P, para_ls + para_col, para_le),
                                        span(para_line, para_col, i, le - ls))) < 0)
                goto error;
            para_line = -1;
            prev_blank = 0;
            continue;
        }

        /* -- prose ---------------------------------------------------------------------- */
        if (scan(&P, i, ls, le, prefix_len, 1) < 0)
            goto error;
        {
            Py_ssize_t s = a; /* content.lstrip().startswith("|") */
            while (s < le && is_space(CH(s)))
                s++;
            if (!lm && depth == 0 && !(s < le && CH(s) == '|')) {
                para_line = i;
                para_col = prefix_len;
                para_ls = ls;
                para_le = le;
            }
            else
                para_line = -1;
        }
        prev_blank = 0;
    }
    /* i is len(lines); prev_len is len(lines[-1]) */
    last_len = prev_len;

    if (fence != NULL) {
        if (code(&P, fence_info, fence, fence_start, i - 1, last_len, fence_start_len, &fence_body, 0) < 0)
            goto error;
        Py_CLEAR(fence);
        Py_CLEAR(fence_info);
    }
    if (indented) {
        if (close_indented(&P, indented_start, &indented_body) < 0)
            goto error;
        indented = 0;
    }
    if (P.oc_kind >= 0) {
        PyObject *parts = P.oc_parts, *body;
        int html = P.oc_kind == 0;
        P.oc_parts = NULL;
        P.oc_kind = -1;
        body = PyUnicode_Join(G.s_newline, parts);
        Py_DECREF(parts);
        if (finish_comment(&P, html, P.oc_line, P.oc_col, i - 1, last_len, body) < 0)
            goto error;
    }

    {
        PyObject *dotted_names;
        Py_ssize_t k;
        /* sorted(found.dotted, key=span): stable, so equal spans keep their order */
        if (P.ndotted > 1)
            qsort(P.dotted, P.ndotted, sizeof(Dot), dot_cmp);
        dotted_names = PyTuple_New(P.ndotted);
        if (dotted_names == NULL)
            goto error;
        for (k = 0; k < P.ndotted; k++) {
            PyTuple_SET_ITEM(dotted_names, k, P.dotted[k].obj);
        }
        P.ndotted = 0; /* the tuple holds them now */
        result = MAKE(&PyTuple_Type, PyList_AsTuple(P.headings), PyList_AsTuple(P.block_ids),
                      PyList_AsTuple(P.tags), PyList_AsTuple(P.links), PyList_AsTuple(P.code_blocks),
                      PyList_AsTuple(P.inline_code), PyList_AsTuple(P.comments),
                      PyList_AsTuple(P.schedules), PyList_AsTuple(P.directives), dotted_names,
                      PyLong_FromSsize_t(i));
    }
error:
    Py_XDECREF(fence);
    Py_XDECREF(fence_info);
    PyMem_Free(fence_body.v);
    PyMem_Free(indented_body.v);
    parser_clear(&P);
    return result;
}

PyDoc_STRVAR(head_lines_doc,
"head_lines(text) -> list\n\n"
"The first lines of split_lines(text) that frontmatter_end() reads: line 0\n"
"alone unless it is '---' (after rstrip()), else up to the first later line\n"
"that is '---' or '...' (all lines when none is).");

static int
is_rule_line(Parser *P, Py_ssize_t ls, Py_ssize_t le, int dots_too)
{
    LOCALS(P);
    Py_ssize_t e = le;
    while (e > ls && is_space(CH(e - 1))) /* rstrip() */
        e--;
    if (e - ls != 3)
        return 0;
    if (CH(ls) == '-' && CH(ls + 1) == '-' && CH(ls + 2) == '-')
        return 1;
    return dots_too && CH(ls) == '.' && CH(ls + 1) == '.' && CH(ls + 2) == '.';
}

static PyObject *
head_lines(PyObject *self, PyObject *text)
{
    Parser P;
    PyObject *lines;
    Py_ssize_t i, ls, le, next;
    (void)self;
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "head_lines() takes a str");
        return NULL;
    }
    if (PyUnicode_READY(text) < 0)
        return NULL;
    memset(&P, 0, sizeof(P));
    P.text = text;
    P.kind = PyUnicode_KIND(text);
    P.data = PyUnicode_DATA(text);
    P.len = PyUnicode_GET_LENGTH(text);
    lines = PyList_New(0);
    if (lines == NULL)
        return NULL;
    ls = (P.len > 0 && PyUnicode_READ(P.kind, P.data, 0) == 0xFEFF) ? 1 : 0;
    for (i = 0; ls >= 0; i++, ls = next) {
        le = line_end(&P, ls, &next);
        if (append(lines, substr(&P, ls, le)) < 0) {
            Py_DECREF(lines);
            return NULL;
        }
        if (i == 0 ? !is_rule_line(&P, ls, le, 0) : is_rule_line(&P, ls, le, 1))
            break;
    }
    return lines;
}

PyDoc_STRVAR(utf8_size_doc,
"utf8_size(text) -> int\n\n"
"len(text.encode('utf-8', 'surrogatepass')) without encoding.");

static PyObject *
utf8_size(PyObject *self, PyObject *text)
{
    int kind;
    const void *data;
    Py_ssize_t n, k, size;
    (void)self;
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "utf8_size() takes a str");
        return NULL;
    }
    if (PyUnicode_READY(text) < 0)
        return NULL;
    kind = PyUnicode_KIND(text);
    data = PyUnicode_DATA(text);
    n = size = PyUnicode_GET_LENGTH(text);
    if (PyUnicode_IS_ASCII(text))
        return PyLong_FromSsize_t(n);
    /* One byte each is counted already; a surrogate takes 3 with surrogatepass.
     * Blocks of 16-bit counts keep the loops vectorised (as wide as the text). */
#define UTF8_BLOCKS(T, EXTRA)                                             \
    do {                                                                  \
        const T *d = data;                                                \
        for (k = 0; k < n;) {                                             \
            Py_ssize_t stop = n - k > 16384 ? k + 16384 : n;              \
            unsigned short extra = 0;                                     \
            for (; k < stop; k++)                                         \
                extra += EXTRA;                                           \
            size += extra;                                                \
        }                                                                 \
    } while (0)
    if (kind == PyUnicode_1BYTE_KIND)
        UTF8_BLOCKS(Py_UCS1, (d[k] >= 0x80));
    else if (kind == PyUnicode_2BYTE_KIND)
        UTF8_BLOCKS(Py_UCS2, (d[k] >= 0x80) + (d[k] >= 0x800));
    else
        UTF8_BLOCKS(Py_UCS4, (d[k] >= 0x80) + (d[k] >= 0x800) + (d[k] >= 0x10000));
#undef UTF8_BLOCKS
    return PyLong_FromSsize_t(size);
}

PyDoc_STRVAR(init_doc,
"init(Span, Heading, BlockId, Tag, Link, CodeBlock, InlineCode, Comment,\n"
"     ScheduleComment, Directive, DottedName, md_link_match, directive_match,\n"
"     directive_actions, codes_split, unquote)\n\n"
"The element types and the Python objects scan_note() calls back into.");

static PyObject *
init(PyObject *self, PyObject *args)
{
    PyObject *t[11];
    PyObject *md_link_match, *directive_match, *directive_actions, *codes_split, *unquote;
    int k;
    (void)self;
    if (!PyArg_ParseTuple(args, "OOOOOOOOOOOOOOOO:init", &t[0], &t[1], &t[2], &t[3], &t[4], &t[5],
                          &t[6], &t[7], &t[8], &t[9], &t[10], &md_link_match, &directive_match,
                          &directive_actions, &codes_split, &unquote))
        return NULL;
    for (k = 0; k < 11; k++) {
        if (!PyType_Check(t[k]) || !PyType_IsSubtype((PyTypeObject *)t[k], &PyTuple_Type)) {
            PyErr_Format(PyExc_TypeError, "init() argument %d must be a tuple subclass", k + 1);
            return NULL;
        }
    }
    if (!PyCallable_Check(md_link_match) || !PyCallable_Check(directive_match) ||
        !PyCallable_Check(codes_split) || !PyCallable_Check(unquote)) {
        PyErr_SetString(PyExc_TypeError, "init() needs callables");
        return NULL;
    }
    for (k = 0; k < 11; k++)
        Py_INCREF(t[k]);
    Py_XSETREF(G.Span, (PyTypeObject *)t[0]);
    Py_XSETREF(G.Heading, (PyTypeObject *)t[1]);
    Py_XSETREF(G.BlockId, (PyTypeObject *)t[2]);
    Py_XSETREF(G.Tag, (PyTypeObject *)t[3]);
    Py_XSETREF(G.Link, (PyTypeObject *)t[4]);
    Py_XSETREF(G.CodeBlock, (PyTypeObject *)t[5]);
    Py_XSETREF(G.InlineCode, (PyTypeObject *)t[6]);
    Py_XSETREF(G.Comment, (PyTypeObject *)t[7]);
    Py_XSETREF(G.ScheduleComment, (PyTypeObject *)t[8]);
    Py_XSETREF(G.Directive, (PyTypeObject *)t[9]);
    Py_XSETREF(G.DottedName, (PyTypeObject *)t[10]);
    Py_XSETREF(G.md_link_match, new_ref(md_link_match));
    Py_XSETREF(G.directive_match, new_ref(directive_match));
    Py_XSETREF(G.directive_actions, new_ref(directive_actions));
    Py_XSETREF(G.codes_split, new_ref(codes_split));
    Py_XSETREF(G.unquote, new_ref(unquote));
    G.ready = 1;
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"init", init, METH_VARARGS, init_doc},
    {"scan_note", scan_note, METH_VARARGS, scan_note_doc},
    {"head_lines", head_lines, METH_O, head_lines_doc},
    {"utf8_size", utf8_size, METH_O, utf8_size_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "vaultkit.core.parse._native",
    "parse_note's block loop and inline scanner in C (see vaultkit/core/parse/__init__.py).",
    -1, methods,
};

PyMODINIT_FUNC
PyInit__native(void)
{
    struct {
        PyObject **slot;
        const char *value;
    } strings[] = {
        {&G.s_empty, ""}, {&G.s_body, "body"}, {&G.s_wikilink, "wikilink"},
        {&G.s_markdown, "markdown"}, {&G.s_html, "html"}, {&G.s_percent, "percent"},
        {&G.s_prose, "prose"}, {&G.s_inline_code, "inline_code"}, {&G.s_newline, "\n"},
        {&G.s_backslash, "\\"}, {&G.s_start, "start"}, {&G.s_end, "end"},
        {&G.s_replace, "replace"}, {&G.s_lower, "lower"}, {&G.s_upper, "upper"},
        {&G.s_strip, "strip"}, {&G.s_lang_chars, "{}."},
    };
    size_t k;
    for (k = 0; k < sizeof(strings) / sizeof(strings[0]); k++) {
        if (*strings[k].slot == NULL) {
            *strings[k].slot = PyUnicode_InternFromString(strings[k].value);
            if (*strings[k].slot == NULL)
                return NULL;
        }
    }
    return PyModule_Create(&module);
}
