using System;
using ClickAnalytics.Enrichment.UserAgents;

namespace ClickAnalytics.Core.Tests.Enrichment.UserAgents;

[TestFixture]
public sealed class AtomMatcherTests
{
    private static bool[] Find(string[] atoms, string text)
    {
        var matcher = new AtomMatcher(atoms);
        Span<ulong> found = stackalloc ulong[(atoms.Length + 63) >> 6];
        matcher.FindAll(text, found);
        var result = new bool[atoms.Length];
        for (int i = 0; i < atoms.Length; i++)
        {
            result[i] = (found[i >> 6] & (1UL << i)) != 0;
        }

        return result;
    }

    [Test]
    public void FindsOverlappingAndNestedAtomsIgnoringCase() =>
        Assert.That(Find(["he", "she", "his", "hers", "xyz"], "uSHErs"), Is.EqualTo(new[] { true, true, false, true, false }));

    [Test]
    public void NonAsciiAtomsAndUnknownCharacters() =>
        Assert.That(Find(["été", "abc"], "L'ÉTÉ\u2603ab\u2603c"), Is.EqualTo(new[] { true, false }));

    [Test]
    public void AgreesWithNaiveSearchOnRandomText()
    {
        var random = new Random(5);
        const string alphabet = "abAB/ .1é";
        for (int round = 0; round < 200; round++)
        {
            var atoms = new string[random.Next(1, 80)];
            for (int a = 0; a < atoms.Length; a++)
            {
                atoms[a] = RandomString(random, alphabet, random.Next(1, 5)).ToLowerInvariant();
            }

            string text = RandomString(random, alphabet, random.Next(0, 60));
            bool[] found = Find(atoms, text);
            for (int a = 0; a < atoms.Length; a++)
            {
                Assert.That(found[a], Is.EqualTo(text.ToLowerInvariant().Contains(atoms[a], StringComparison.Ordinal)), $"'{atoms[a]}' in '{text}'");
            }
        }
    }

    private static string RandomString(Random random, string alphabet, int length)
    {
        var chars = new char[length];
        for (int i = 0; i < length; i++)
        {
            chars[i] = alphabet[random.Next(alphabet.Length)];
        }

        return new string(chars);
    }
}
