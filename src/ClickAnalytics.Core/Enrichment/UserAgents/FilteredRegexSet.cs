using System;
using System.Collections.Generic;
using System.Numerics;
using System.Text.RegularExpressions;
using System.Threading;

namespace ClickAnalytics.Enrichment.UserAgents;

/// <summary>A regular expression of a rule list, as written in the rules file.</summary>
internal readonly record struct RegexRule(string Pattern, bool IgnoreCase);

/// <summary>How the rules' regular expressions are built.</summary>
internal sealed record RegexSettings(RegexOptions Options, TimeSpan MatchTimeout, bool NonBacktracking)
{
    /// <summary>Compiled backtracking with a match timeout: the fastest for these rules.</summary>
    public static RegexSettings Default { get; } = new(RegexOptions.Compiled, TimeSpan.FromSeconds(1), NonBacktracking: false);

    /// <summary>Builds the regex of one rule.</summary>
    public Regex Build(RegexRule rule)
    {
        RegexOptions options = Options | RegexOptions.CultureInvariant | (rule.IgnoreCase ? RegexOptions.IgnoreCase : RegexOptions.None);
        if (NonBacktracking)
        {
            try
            {
                // Linear time whatever the input; capture groups are supported, back-references and lookarounds are not.
                return new Regex(rule.Pattern, (options & ~RegexOptions.Compiled) | RegexOptions.NonBacktracking);
            }
            catch (NotSupportedException)
            {
                // Falls through to the backtracking engine, bounded by the timeout.
            }
        }

        return new Regex(rule.Pattern, options, MatchTimeout);
    }
}

/// <summary>
/// Many regular expressions tried in order, first match wins, where a single multi-string scan
/// of the input first rules out every expression whose required literals are absent (the idea of
/// RE2's FilteredRE2). Only the remaining candidates run, still in rule order, so the result is
/// the same as trying every expression in turn. Expressions are compiled on first use, so rules
/// that never come up cost nothing at start.
/// </summary>
internal sealed class FilteredRegexSet
{
    private readonly RegexRule[] _rules;
    private readonly Regex?[] _regexes;
    private readonly RegexSettings _settings;
    private readonly AtomMatcher _matcher;
    private readonly int[][][] _clauses;
    private readonly int[][] _rulesByAtom;
    private readonly ulong[] _unfiltered;

    public FilteredRegexSet(IReadOnlyList<RegexRule> rules, RegexSettings settings)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(settings);
        _settings = settings;
        _rules = [.. rules];
        _regexes = new Regex?[_rules.Length];
        _clauses = new int[_rules.Length][][];
        WordCount = (_rules.Length + 63) >> 6;
        _unfiltered = new ulong[WordCount];

        var atomIds = new Dictionary<string, int>(StringComparer.Ordinal);
        var atoms = new List<string>();
        var rulesByAtom = new List<List<int>>();
        for (int r = 0; r < _rules.Length; r++)
        {
            List<string[]> clauses = RequiredLiterals.Analyze(_rules[r].Pattern);
            _clauses[r] = new int[clauses.Count][];
            if (clauses.Count == 0)
            {
                _unfiltered[r >> 6] |= 1UL << r;
                UnfilteredCount++;
            }

            for (int c = 0; c < clauses.Count; c++)
            {
                string[] clause = clauses[c];
                var ids = new int[clause.Length];
                for (int i = 0; i < clause.Length; i++)
                {
                    if (!atomIds.TryGetValue(clause[i], out int id))
                    {
                        id = atoms.Count;
                        atomIds.Add(clause[i], id);
                        atoms.Add(clause[i]);
                        rulesByAtom.Add([]);
                    }

                    ids[i] = id;

                    // Only the first clause's atoms nominate a rule; the others are checked afterwards.
                    if (c == 0)
                    {
                        List<int> nominated = rulesByAtom[id];
                        if (nominated.Count == 0 || nominated[^1] != r)
                        {
                            nominated.Add(r);
                        }
                    }
                }

                _clauses[r][c] = ids;
            }
        }

        _matcher = new AtomMatcher(atoms);
        _rulesByAtom = new int[atoms.Count][];
        for (int a = 0; a < atoms.Count; a++)
        {
            _rulesByAtom[a] = [.. rulesByAtom[a]];
        }

        AtomWordCount = (atoms.Count + 63) >> 6;
    }

    /// <summary>How many rules the set holds.</summary>
    public int Count => _rules.Length;

    /// <summary>Length of a candidate bit set, in 64-bit words.</summary>
    public int WordCount { get; }

    /// <summary>Length of the scratch atom bit set <see cref="FindCandidates"/> needs, in 64-bit words.</summary>
    public int AtomWordCount { get; }

    /// <summary>Rules without any required literal: always tried.</summary>
    public int UnfilteredCount { get; }

    /// <summary>Number of distinct atoms searched for.</summary>
    public int AtomCount => _matcher.AtomCount;

    /// <summary>States of the atom automaton.</summary>
    public int StateCount => _matcher.StateCount;

    /// <summary>
    /// Sets the bit of every rule that may match <paramref name="input"/>. Both spans must be
    /// zeroed by the caller, <paramref name="candidates"/> <see cref="WordCount"/> long and
    /// <paramref name="atomScratch"/> <see cref="AtomWordCount"/> long.
    /// </summary>
    public void FindCandidates(ReadOnlySpan<char> input, Span<ulong> candidates, Span<ulong> atomScratch)
    {
        _unfiltered.CopyTo(candidates);
        if (_matcher.FindAll(input, atomScratch) == 0)
        {
            return;
        }

        for (int w = 0; w < atomScratch.Length; w++)
        {
            ulong bits = atomScratch[w];
            while (bits != 0)
            {
                int atom = (w << 6) + BitOperations.TrailingZeroCount(bits);
                bits &= bits - 1;
                foreach (int rule in _rulesByAtom[atom])
                {
                    if ((candidates[rule >> 6] & (1UL << rule)) == 0 && AllClausesHold(rule, atomScratch))
                    {
                        candidates[rule >> 6] |= 1UL << rule;
                    }
                }
            }
        }
    }

    /// <summary>
    /// The first rule in [<paramref name="start"/>, <paramref name="end"/>) that is a candidate and
    /// matches, with its match; -1 when none does. A rule that times out ends the search with -1,
    /// so hostile input costs at most one timeout per list.
    /// </summary>
    public int FirstMatch(string input, ReadOnlySpan<ulong> candidates, int start, int end, out Match? match)
    {
        match = null;
        for (int w = start >> 6; w <= (end - 1) >> 6 && w < candidates.Length; w++)
        {
            ulong bits = candidates[w];
            if (w == start >> 6)
            {
                bits &= ulong.MaxValue << (start & 63);
            }

            while (bits != 0)
            {
                int rule = (w << 6) + BitOperations.TrailingZeroCount(bits);
                bits &= bits - 1;
                if (rule >= end)
                {
                    return -1;
                }

                Match m;
                try
                {
                    m = GetRegex(rule).Match(input);
                }
                catch (RegexMatchTimeoutException)
                {
                    return -1;
                }

                if (m.Success)
                {
                    match = m;
                    return rule;
                }
            }
        }

        return -1;
    }

    /// <summary>The compiled regex of a rule, built the first time it is needed.</summary>
    public Regex GetRegex(int rule)
    {
        Regex? regex = Volatile.Read(ref _regexes[rule]);
        if (regex is null)
        {
            // Two threads may build the same regex at once; one of them wins and both are equivalent.
            regex = _settings.Build(_rules[rule]);
            Warm(regex);
            regex = Interlocked.CompareExchange(ref _regexes[rule], regex, null) ?? regex;
        }

        return regex;
    }

    /// <summary>Builds every regex now (for hosts that prefer paying at start).</summary>
    public void CompileAll()
    {
        for (int r = 0; r < _rules.Length; r++)
        {
            _ = GetRegex(r);
        }
    }

    /// <summary>
    /// Runs the new regex once on an empty string: a compiled regex is JIT-compiled on its first
    /// match, and that time would otherwise count against the first real string's match timeout.
    /// </summary>
    private static void Warm(Regex regex)
    {
        try
        {
            _ = regex.IsMatch("");
        }
        catch (RegexMatchTimeoutException)
        {
            // Only the warm-up timed out (a loaded machine); real matches get their own budget.
        }
    }

    private bool AllClausesHold(int rule, ReadOnlySpan<ulong> atoms)
    {
        int[][] clauses = _clauses[rule];
        for (int c = 1; c < clauses.Length; c++)
        {
            bool any = false;
            foreach (int atom in clauses[c])
            {
                if ((atoms[atom >> 6] & (1UL << atom)) != 0)
                {
                    any = true;
                    break;
                }
            }

            if (!any)
            {
                return false;
            }
        }

        return true;
    }
}
