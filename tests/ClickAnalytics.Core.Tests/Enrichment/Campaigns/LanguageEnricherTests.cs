using System;
using ClickAnalytics.Core.Tests.Enrichment.Support;
using ClickAnalytics.Enrichment.Campaigns;

namespace ClickAnalytics.Core.Tests.Enrichment.Campaigns;

public sealed class LanguageEnricherTests
{
    private readonly LanguageEnricher _stage = new();

    private string Language(string? header)
    {
        var click = Clicks.Make(acceptLanguage: header);
        _stage.Enrich(click);
        return click.Language;
    }

    [TestCase("en-US,en;q=0.9", "en")]
    [TestCase("fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5", "fr")]
    [TestCase("de;q=0.5, en-GB;q=0.8", "en")]
    [TestCase("ZH-Hant-TW", "zh")]
    [TestCase("pt_BR", "pt")]
    [TestCase("*;q=0.9, es;q=0.1", "es")]
    [TestCase("ast", "ast")]
    [TestCase("en;q=0, nl;q=0.001", "nl")]
    [TestCase("en;Q=0.2, it;q=1.000", "it")]
    [TestCase("en;level=1;q=0.4, sv", "sv")]
    public void The_most_preferred_language_wins(string header, string expected)
    {
        Assert.That(Language(header), Is.EqualTo(expected));
    }

    [TestCase(null)]
    [TestCase("")]
    [TestCase("*")]
    [TestCase("en;q=0")]
    [TestCase("x")]
    [TestCase("i-klingon")]
    [TestCase("123")]
    [TestCase("e1")]
    [TestCase("english")]
    [TestCase("en;q=abc")]
    [TestCase("en;q=1.5")]
    [TestCase("en;q=-1")]
    [TestCase(";;;,,,")]
    [TestCase("\u0000\u0001en")]
    [TestCase("日本語")]
    public void Garbage_gives_no_language(string? header)
    {
        Assert.That(Language(header), Is.Empty);
    }

    [Test]
    public void A_huge_header_is_read_without_an_exception()
    {
        string header = string.Concat(System.Linq.Enumerable.Repeat("xx-YY;q=0.1,", 2000)) + "de;q=0.2";

        Assert.That(Language(header), Is.EqualTo("de"));
    }

    [Test]
    public void The_same_code_is_one_string()
    {
        Assert.That(Language("en-US"), Is.SameAs(Language("en-GB")));
    }
}
