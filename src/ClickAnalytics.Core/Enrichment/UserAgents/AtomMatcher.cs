using System;
using System.Collections.Frozen;
using System.Collections.Generic;

namespace ClickAnalytics.Enrichment.UserAgents;

/// <summary>
/// Finds, in one pass over a string, every atom of a fixed set that occurs in it, ignoring case
/// (Aho–Corasick compiled to a dense automaton). Characters are folded to lower case and mapped
/// to a small alphabet of the characters the atoms use; every other character maps to a symbol
/// no atom contains, which sends the automaton back to its root.
/// </summary>
internal sealed class AtomMatcher
{
    private readonly int[] _asciiSymbol = new int[128];
    private readonly FrozenDictionary<char, int> _otherSymbol;
    private readonly int _alphabet;
    private readonly int[] _next;
    private readonly int[] _outputStart;
    private readonly int[] _outputs;

    public AtomMatcher(IReadOnlyList<string> atoms)
    {
        ArgumentNullException.ThrowIfNull(atoms);
        AtomCount = atoms.Count;

        var others = new Dictionary<char, int>();
        int alphabet = 1;
        foreach (string atom in atoms)
        {
            foreach (char c in atom)
            {
                if (c < 128)
                {
                    if (_asciiSymbol[c] == 0)
                    {
                        _asciiSymbol[c] = alphabet++;
                    }
                }
                else if (!others.ContainsKey(c))
                {
                    others[c] = alphabet++;
                }
            }
        }

        for (char c = 'A'; c <= 'Z'; c++)
        {
            _asciiSymbol[c] = _asciiSymbol[char.ToLowerInvariant(c)];
        }

        _otherSymbol = others.ToFrozenDictionary();
        _alphabet = alphabet;

        // Trie first, with -1 for missing edges.
        var edges = new List<int[]> { NewRow(alphabet) };
        var outputs = new List<List<int>> { new() };
        for (int a = 0; a < atoms.Count; a++)
        {
            int node = 0;
            foreach (char c in atoms[a])
            {
                int symbol = c < 128 ? _asciiSymbol[c] : others[c];
                int child = edges[node][symbol];
                if (child < 0)
                {
                    child = edges.Count;
                    edges[node][symbol] = child;
                    edges.Add(NewRow(alphabet));
                    outputs.Add([]);
                }

                node = child;
            }

            outputs[node].Add(a);
        }

        // Breadth first: fill missing edges from the failure link, inherit its outputs.
        int count = edges.Count;
        var fail = new int[count];
        var queue = new Queue<int>();
        for (int s = 0; s < alphabet; s++)
        {
            int child = edges[0][s];
            if (child < 0)
            {
                edges[0][s] = 0;
            }
            else
            {
                fail[child] = 0;
                queue.Enqueue(child);
            }
        }

        while (queue.Count > 0)
        {
            int node = queue.Dequeue();
            outputs[node].AddRange(outputs[fail[node]]);
            for (int s = 0; s < alphabet; s++)
            {
                int child = edges[node][s];
                if (child < 0)
                {
                    edges[node][s] = edges[fail[node]][s];
                }
                else
                {
                    fail[child] = edges[fail[node]][s];
                    queue.Enqueue(child);
                }
            }
        }

        _next = new int[count * alphabet];
        _outputStart = new int[count + 1];
        var flat = new List<int>();
        for (int node = 0; node < count; node++)
        {
            for (int s = 0; s < alphabet; s++)
            {
                _next[(node * alphabet) + s] = edges[node][s];
            }

            _outputStart[node] = flat.Count;
            flat.AddRange(outputs[node]);
        }

        _outputStart[count] = flat.Count;
        _outputs = [.. flat];
        StateCount = count;
    }

    /// <summary>How many atoms the matcher knows.</summary>
    public int AtomCount { get; }

    /// <summary>Size of the automaton, for start-up reports.</summary>
    public int StateCount { get; }

    /// <summary>Sets the bit of every atom found in <paramref name="text"/>; returns how many distinct atoms were found.</summary>
    public int FindAll(ReadOnlySpan<char> text, Span<ulong> found)
    {
        int[] next = _next;
        int[] start = _outputStart;
        int[] outputs = _outputs;
        int alphabet = _alphabet;
        int node = 0;
        int distinct = 0;
        foreach (char c in text)
        {
            node = next[(node * alphabet) + Symbol(c)];
            int end = start[node + 1];
            for (int i = start[node]; i < end; i++)
            {
                int atom = outputs[i];
                ref ulong word = ref found[atom >> 6];
                ulong bit = 1UL << atom;
                if ((word & bit) == 0)
                {
                    word |= bit;
                    distinct++;
                }
            }
        }

        return distinct;
    }

    private int Symbol(char c)
    {
        if (c < 128)
        {
            return _asciiSymbol[c];
        }

        return _otherSymbol.TryGetValue(char.ToLowerInvariant(c), out int symbol) ? symbol : 0;
    }

    private static int[] NewRow(int alphabet)
    {
        var row = new int[alphabet];
        Array.Fill(row, -1);
        return row;
    }
}
