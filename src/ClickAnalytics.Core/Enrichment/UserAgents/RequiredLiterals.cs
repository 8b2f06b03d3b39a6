using System;
using System.Collections.Generic;

namespace ClickAnalytics.Enrichment.UserAgents;

/// <summary>
/// Works out which literal strings a regular expression needs in its input: a list of clauses,
/// each a set of lower-case atoms of which at least one must occur (a conjunction of
/// disjunctions). The result is a necessary condition only, so a rule whose clauses all hold may
/// still fail to match, but a rule with an unmet clause can never match and need not be tried.
/// Anything the analysis does not understand weakens the result (fewer clauses), never breaks it.
/// </summary>
internal static class RequiredLiterals
{
    /// <summary>Single characters occur in almost every user agent and would filter nothing.</summary>
    internal const int MinAtomLength = 2;

    private const int MaxExactSet = 16;
    private const int MaxClassExpansion = 4;

    /// <summary>The clauses of <paramref name="pattern"/>; empty when nothing is known (the rule is always tried).</summary>
    public static List<string[]> Analyze(string pattern)
    {
        try
        {
            var parser = new Parser(pattern);
            Info info = parser.ParseAlternation();
            if (parser.Position != pattern.Length)
            {
                return [];
            }

            return info.ToClauses();
        }
        catch (FormatException)
        {
            return [];
        }
    }

    /// <summary>
    /// What is known about a sub-expression: either the exact, small set of strings it can match,
    /// or clauses its match must satisfy.
    /// </summary>
    private sealed class Info
    {
        public HashSet<string>? Exact;
        public List<HashSet<string>> Clauses = [];

        public static Info Any() => new();

        public static Info Of(HashSet<string> exact) => new() { Exact = exact };

        public static Info Empty() => Of([""]);

        public List<HashSet<string>> AsClauses()
        {
            if (Exact is null)
            {
                return Clauses;
            }

            List<HashSet<string>> result = [];
            HashSet<string>? clause = ClauseOf(Exact);
            if (clause is not null)
            {
                result.Add(clause);
            }

            return result;
        }

        /// <summary>The clauses, most selective first: the first one nominates candidates, the rest only confirm.</summary>
        public List<string[]> ToClauses()
        {
            List<HashSet<string>> clauses = [.. AsClauses()];
            HashSet<string>? best = Best(clauses);
            List<string[]> result = [];
            if (best is not null)
            {
                result.Add([.. best]);
            }

            foreach (HashSet<string> clause in clauses)
            {
                if (!ReferenceEquals(clause, best))
                {
                    result.Add([.. clause]);
                }
            }

            return result;
        }

        /// <summary>The clause made of a set of strings, or null when one of them is too short to be worth searching.</summary>
        private static HashSet<string>? ClauseOf(HashSet<string> strings)
        {
            foreach (string s in strings)
            {
                if (s.Length < MinAtomLength)
                {
                    return null;
                }
            }

            return Minimize(strings);
        }

        /// <summary>Drops atoms that contain another atom of the clause: finding the shorter one already satisfies it.</summary>
        private static HashSet<string> Minimize(HashSet<string> strings)
        {
            var result = new HashSet<string>(StringComparer.Ordinal);
            foreach (string s in strings)
            {
                bool redundant = false;
                foreach (string other in strings)
                {
                    if (!ReferenceEquals(s, other) && other.Length < s.Length && s.Contains(other, StringComparison.Ordinal))
                    {
                        redundant = true;
                        break;
                    }
                }

                if (!redundant)
                {
                    result.Add(s);
                }
            }

            return result;
        }
    }

    private static Info Concat(Info a, Info b)
    {
        if (a.Exact is not null && b.Exact is not null && a.Exact.Count * b.Exact.Count <= MaxExactSet)
        {
            return Info.Of(Cross(a.Exact, b.Exact));
        }

        var info = Info.Any();
        info.Clauses.AddRange(a.AsClauses());
        info.Clauses.AddRange(b.AsClauses());
        return info;
    }

    private static HashSet<string> Cross(HashSet<string> left, HashSet<string> right)
    {
        var product = new HashSet<string>(StringComparer.Ordinal);
        foreach (string x in left)
        {
            foreach (string y in right)
            {
                product.Add(x + y);
            }
        }

        return product;
    }

    private static Info Alternate(Info a, Info b)
    {
        if (a.Exact is not null && b.Exact is not null && a.Exact.Count + b.Exact.Count <= MaxExactSet)
        {
            var union = new HashSet<string>(a.Exact, StringComparer.Ordinal);
            union.UnionWith(b.Exact);
            return Info.Of(union);
        }

        // Either branch may be the one that matched, so only a clause made of one clause from each
        // side is still required; the most selective clause of each side is kept.
        HashSet<string>? left = Best(a.AsClauses());
        HashSet<string>? right = Best(b.AsClauses());
        if (left is null || right is null)
        {
            return Info.Any();
        }

        var merged = new HashSet<string>(left, StringComparer.Ordinal);
        merged.UnionWith(right);
        var info = Info.Any();
        info.Clauses.Add(merged);
        return info;
    }

    /// <summary>The clause most likely to rule a string out: long atoms, few of them.</summary>
    private static HashSet<string>? Best(List<HashSet<string>> clauses)
    {
        HashSet<string>? best = null;
        int bestScore = int.MinValue;
        foreach (HashSet<string> clause in clauses)
        {
            int shortest = int.MaxValue;
            foreach (string atom in clause)
            {
                shortest = Math.Min(shortest, atom.Length);
            }

            int score = (shortest * 4) - clause.Count;
            if (score > bestScore)
            {
                bestScore = score;
                best = clause;
            }
        }

        return best;
    }

    private ref struct Parser(string pattern)
    {
        private readonly string _pattern = pattern;

        public int Position { get; private set; }

        private readonly bool AtEnd => Position >= _pattern.Length;

        private readonly char Peek => _pattern[Position];

        public Info ParseAlternation()
        {
            Info result = ParseConcatenation();
            while (!AtEnd && Peek == '|')
            {
                Position++;
                result = Alternate(result, ParseConcatenation());
            }

            return result;
        }

        private Info ParseConcatenation()
        {
            // Adjacent exact pieces are joined into one run before they meet an inexact piece;
            // otherwise "Any" followed by "B","u","i","l","d" would keep only one-letter atoms.
            Info result = Info.Empty();
            HashSet<string> run = [""];
            while (!AtEnd && Peek != '|' && Peek != ')')
            {
                Info piece = ParseQuantified();
                if (piece.Exact is not null && run.Count * piece.Exact.Count <= MaxExactSet)
                {
                    run = Cross(run, piece.Exact);
                    continue;
                }

                result = Concat(result, Info.Of(run));
                if (piece.Exact is not null)
                {
                    run = piece.Exact;
                }
                else
                {
                    result = Concat(result, piece);
                    run = [""];
                }
            }

            return Concat(result, Info.Of(run));
        }

        private Info ParseQuantified()
        {
            Info atom = ParseAtom();
            if (AtEnd)
            {
                return atom;
            }

            int min;
            switch (Peek)
            {
                case '*':
                    Position++;
                    min = 0;
                    break;
                case '+':
                    Position++;
                    min = 1;
                    break;
                case '?':
                    Position++;
                    min = 0;
                    if (atom.Exact is not null)
                    {
                        SkipLazy();
                        var optional = new HashSet<string>(atom.Exact, StringComparer.Ordinal) { "" };
                        return Info.Of(optional);
                    }

                    break;
                case '{':
                    int close = _pattern.IndexOf('}', Position);
                    if (close < 0)
                    {
                        throw new FormatException();
                    }

                    string bounds = _pattern[(Position + 1)..close];
                    int comma = bounds.IndexOf(',', StringComparison.Ordinal);
                    string low = comma < 0 ? bounds : bounds[..comma];
                    if (!int.TryParse(low, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out min))
                    {
                        throw new FormatException();
                    }

                    Position = close + 1;
                    break;
                default:
                    return atom;
            }

            SkipLazy();
            if (min == 0)
            {
                return Info.Any();
            }

            var info = Info.Any();
            info.Clauses.AddRange(atom.AsClauses());
            return info;
        }

        private void SkipLazy()
        {
            if (!AtEnd && (Peek == '?' || Peek == '+'))
            {
                Position++;
            }
        }

        private Info ParseAtom()
        {
            char c = _pattern[Position++];
            switch (c)
            {
                case '(':
                    bool lookaround = false;
                    if (!AtEnd && Peek == '?')
                    {
                        Position++;
                        if (AtEnd)
                        {
                            throw new FormatException();
                        }

                        char kind = _pattern[Position++];
                        if (kind is '=' or '!')
                        {
                            lookaround = true;
                        }
                        else if (kind == '<' && !AtEnd && Peek is '=' or '!')
                        {
                            Position++;
                            lookaround = true;
                        }
                        else if (kind != ':')
                        {
                            // Named groups and inline options change what the literals mean; give up.
                            throw new FormatException();
                        }
                    }

                    Info inner = ParseAlternation();
                    if (AtEnd || Peek != ')')
                    {
                        throw new FormatException();
                    }

                    Position++;
                    return lookaround ? Info.Empty() : inner;
                case '[':
                    return ParseClass();
                case '.':
                    return Info.Any();
                case '^':
                case '$':
                    return Info.Empty();
                case '\\':
                    return ParseEscape();
                case '*' or '+' or '?' or '{' or ')' or '|':
                    throw new FormatException();
                default:
                    return Info.Of([Lower(c).ToString()]);
            }
        }

        private Info ParseEscape()
        {
            if (AtEnd)
            {
                throw new FormatException();
            }

            char e = _pattern[Position++];
            switch (e)
            {
                case 'b' or 'B' or 'A' or 'z' or 'Z' or 'G':
                    return Info.Empty();
                case 'd' or 'D' or 'w' or 'W' or 's' or 'S':
                    return Info.Any();
                case 't':
                    return Info.Of(["\t"]);
                case 'n':
                    return Info.Of(["\n"]);
                case 'r':
                    return Info.Of(["\r"]);
                default:
                    if (char.IsAsciiLetterOrDigit(e))
                    {
                        // \x, \u, \p, back-references …: not worth modelling.
                        throw new FormatException();
                    }

                    return Info.Of([Lower(e).ToString()]);
            }
        }

        private Info ParseClass()
        {
            var chars = new HashSet<string>(StringComparer.Ordinal);
            bool tooBig = false;
            if (!AtEnd && Peek == '^')
            {
                Position++;
                tooBig = true;
            }

            bool first = true;
            while (true)
            {
                if (AtEnd)
                {
                    throw new FormatException();
                }

                char c = _pattern[Position++];
                if (c == ']' && !first)
                {
                    break;
                }

                first = false;
                if (c == '\\')
                {
                    if (AtEnd)
                    {
                        throw new FormatException();
                    }

                    char e = _pattern[Position++];
                    if (char.IsAsciiLetterOrDigit(e))
                    {
                        tooBig = true;
                        continue;
                    }

                    c = e;
                }

                if (!AtEnd && Peek == '-' && Position + 1 < _pattern.Length && _pattern[Position + 1] != ']')
                {
                    char high = _pattern[Position + 1];
                    Position += 2;
                    if (high == '\\')
                    {
                        throw new FormatException();
                    }

                    if (high - c >= MaxClassExpansion * 2)
                    {
                        tooBig = true;
                        continue;
                    }

                    for (char x = c; x <= high; x++)
                    {
                        chars.Add(Lower(x).ToString());
                    }

                    continue;
                }

                chars.Add(Lower(c).ToString());
            }

            return tooBig || chars.Count > MaxClassExpansion ? Info.Any() : Info.Of(chars);
        }

        private static char Lower(char c) => char.ToLowerInvariant(c);
    }
}
