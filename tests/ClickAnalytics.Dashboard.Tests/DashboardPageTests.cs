using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using ClickAnalytics.Dashboard.Tests.Support;
using Microsoft.Playwright;
using static ClickAnalytics.Dashboard.Tests.Support.PageReading;

namespace ClickAnalytics.Dashboard.Tests;

/// <summary>The sample's dashboard in a real chromium, over a seeded day of clicks: what it shows is what the query API answers.</summary>
[TestFixture]
public sealed class DashboardPageTests
{
    private static readonly string[] Metrics = ["clicks", "uniqueVisitors", "bots", "repeats"];
    private SeededSample _sample = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _sample = await SeededSample.StartAsync();

    [OneTimeTearDown]
    public async Task StopAsync() => await _sample.DisposeAsync();

    private static object Filters(params (string Dimension, string Value)[] filters) =>
        filters.Select(f => new { dimension = f.Dimension, @operator = "is", values = new[] { f.Value } }).ToArray();

    /// <summary>Each panel of the page against the API's answer to the same question.</summary>
    private async Task AssertPanelsAsync(IPage page, string range, string zone, bool bots, bool repeats, params (string Dimension, string Value)[] filters)
    {
        object where = Filters(filters);
        JsonElement series = await _sample.QueryAsync(new
        {
            range, timeZone = zone, includeBots = bots, includeRepeats = repeats, filters = where,
            dimensions = new[] { "time" }, metrics = Metrics, compare = "previousPeriod", limit = 10000,
        });
        Dictionary<string, List<(string Value, long Clicks)>> shown = await BreakdownsAsync(page);
        Assert.That(shown.Keys, Has.Count.GreaterThanOrEqualTo(6), "the breakdown panels are there");
        for (int i = 0; i < Metrics.Length; i++)
        {
            Assert.That(await KpiAsync(page, Metrics[i]), Is.EqualTo(Total(series, i)), $"the {Metrics[i]} total");
            Assert.That(await PreviousKpiAsync(page, Metrics[i]), Is.EqualTo(series.GetProperty("comparisonTotals")[i].GetInt64()), $"the previous period's {Metrics[i]}");
        }

        int buckets = await page.Locator("#series-table tbody tr").CountAsync();
        Assert.That(buckets, Is.EqualTo(series.GetProperty("rows").GetArrayLength()), "one chart point per time bucket");
        IReadOnlyList<string> firstColumn = await page.Locator("#series-table tbody tr td:nth-child(2)").AllTextContentsAsync();
        Assert.That(firstColumn.Select(long.Parse), Is.EqualTo(series.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("metrics")[0].GetInt64())), "the chart's clicks per bucket");

        foreach ((string dimension, List<(string Value, long Clicks)> rows) in shown)
        {
            JsonElement answer = await _sample.QueryAsync(new
            {
                range, timeZone = zone, includeBots = bots, includeRepeats = repeats, filters = where,
                dimensions = new[] { dimension }, metrics = new[] { "clicks" }, limit = dimension == "country" ? 10 : 8,
                orderBy = new[] { new { by = "clicks", descending = true } },
            });
            Assert.That(rows, Is.EqualTo(Rows(answer)), $"the {dimension} panel");
        }
    }

    [Test]
    public async Task The_numbers_on_the_page_are_the_api_answers_and_the_first_render_is_timed()
    {
        // The default view (last 24 hours, hourly), in a fresh browser context: no asset is cached.
        IPage page = await Browser.NewPageAsync();
        await page.GotoAsync(_sample.Dashboard("?tz=UTC"));
        await WaitForViewAsync(page);
        string firstRender = (await page.EvaluateAsync<string>("() => document.documentElement.dataset.firstRender"))!;
        await TestContext.Out.WriteLineAsync($"first render with data: {firstRender} ms from navigation ({_sample.Seeded} seeded clicks)");
        await File.WriteAllTextAsync(Path.Combine(Browser.Screenshots, "first-render-ms.txt"), firstRender + Environment.NewLine);
        await Browser.ScreenshotAsync(page, "dashboard-desktop");
        Assert.That(await KpiAsync(page, "clicks"), Is.GreaterThan(0), "the seeded day is on the page");

        await page.GotoAsync(_sample.Dashboard("?range=7d&tz=UTC"));
        await WaitForViewAsync(page);
        await AssertPanelsAsync(page, "7d", "UTC", bots: false, repeats: false);
        long counted = await KpiAsync(page, "clicks") + await KpiAsync(page, "bots") + await KpiAsync(page, "repeats");
        Assert.That(counted, Is.LessThanOrEqualTo(_sample.Seeded).And.GreaterThan(_sample.Seeded * 9 / 10), "the seeded clicks are what the page counts");
        await page.Context.CloseAsync();
    }

    [Test]
    public async Task Selecting_a_country_filters_every_panel_and_its_chip_removes_the_filter()
    {
        IPage page = await Browser.NewPageAsync();
        await page.GotoAsync(_sample.Dashboard("?range=7d&tz=UTC"));
        await WaitForViewAsync(page);
        long all = await KpiAsync(page, "clicks");

        ILocator top = page.Locator("section[data-dimension='country'] button.bar").First;
        string country = (await top.GetAttributeAsync("data-value"))!;
        await top.ClickAsync();
        await WaitForViewAsync(page);

        Assert.That(new Uri(page.Url).Query, Does.Contain("country=" + country));
        Assert.That(await page.Locator($".chip[data-dimension='country'][data-value='{country}']").CountAsync(), Is.EqualTo(1), "the filter shows as a chip");
        await AssertPanelsAsync(page, "7d", "UTC", bots: false, repeats: false, ("country", country));
        Assert.That(await KpiAsync(page, "clicks"), Is.LessThan(all));
        Assert.That((await BreakdownsAsync(page))["country"].Select(r => r.Value), Is.EqualTo(new[] { country }));

        // A second filter from another panel narrows further; removing the country keeps it.
        ILocator browser = page.Locator("section[data-dimension='browser'] button.bar").First;
        string browserName = (await browser.GetAttributeAsync("data-value"))!;
        await browser.ClickAsync();
        await WaitForViewAsync(page);
        await AssertPanelsAsync(page, "7d", "UTC", bots: false, repeats: false, ("country", country), ("browser", browserName));

        await page.Locator(".chip[data-dimension='country']").ClickAsync();
        await WaitForViewAsync(page);
        Assert.That(new Uri(page.Url).Query, Does.Not.Contain("country="));
        await AssertPanelsAsync(page, "7d", "UTC", bots: false, repeats: false, ("browser", browserName));
        await page.Context.CloseAsync();
    }

    [Test]
    public async Task The_address_holds_the_view_and_brings_it_back()
    {
        IPage page = await Browser.NewPageAsync();
        string shared = _sample.Dashboard("?range=30d&tz=Europe%2FBerlin&bots=1&deviceType=mobile");
        await page.GotoAsync(shared);
        await WaitForViewAsync(page);

        Assert.Multiple(async () =>
        {
            Assert.That(await page.Locator("#range").InputValueAsync(), Is.EqualTo("30d"));
            Assert.That(await page.Locator("#tz").InputValueAsync(), Is.EqualTo("Europe/Berlin"));
            Assert.That(await page.Locator("#bots").IsCheckedAsync(), Is.True);
            Assert.That(await page.Locator("#repeats").IsCheckedAsync(), Is.False);
            Assert.That(await page.Locator(".chip[data-dimension='deviceType']").TextContentAsync(), Does.Contain("Mobile"));
        });
        await AssertPanelsAsync(page, "30d", "Europe/Berlin", bots: true, repeats: false, ("deviceType", "mobile"));

        // A change goes into the address; a reload of that address shows the same view; Back undoes it.
        await page.Locator("#repeats").CheckAsync();
        await WaitForViewAsync(page);
        await page.Locator("#range").SelectOptionAsync("7d");
        await WaitForViewAsync(page);
        string changed = page.Url;
        Assert.That(changed, Does.Contain("repeats=1").And.Contain("range=7d").And.Contain("deviceType=mobile"));

        IPage again = await Browser.NewPageAsync();
        await again.GotoAsync(changed);
        await WaitForViewAsync(again);
        Assert.That(await again.Locator("#repeats").IsCheckedAsync(), Is.True);
        Assert.That(await again.Locator("#range").InputValueAsync(), Is.EqualTo("7d"));
        await AssertPanelsAsync(again, "7d", "Europe/Berlin", bots: true, repeats: true, ("deviceType", "mobile"));

        await page.GoBackAsync();
        await WaitForViewAsync(page);
        Assert.That(await page.Locator("#range").InputValueAsync(), Is.EqualTo("30d"));
        await AssertPanelsAsync(page, "30d", "Europe/Berlin", bots: true, repeats: true, ("deviceType", "mobile"));
        await page.Context.CloseAsync();
        await again.Context.CloseAsync();
    }

    [Test]
    public async Task A_link_opens_its_own_view()
    {
        IPage page = await Browser.NewPageAsync();
        await page.GotoAsync(_sample.Dashboard("?range=7d&tz=UTC"));
        await WaitForViewAsync(page);
        ILocator link = page.Locator("section[data-dimension='link'] button.bar").Nth(1);
        string code = (await link.GetAttributeAsync("data-value"))!;
        await link.ClickAsync();
        await WaitForViewAsync(page);

        Assert.Multiple(async () =>
        {
            Assert.That(await page.Locator("h1").TextContentAsync(), Is.EqualTo("/" + code));
            Assert.That(await page.Locator("section[data-dimension='link']").IsHiddenAsync(), Is.True, "the top links give way to the link's own numbers");
            Assert.That(await page.Locator("#all-links").IsVisibleAsync(), Is.True);
        });
        await AssertPanelsAsync(page, "7d", "UTC", bots: false, repeats: false, ("link", code));

        await page.Locator("#all-links").ClickAsync();
        await WaitForViewAsync(page);
        Assert.That(await page.Locator("section[data-dimension='link']").IsVisibleAsync(), Is.True);
        Assert.That(new Uri(page.Url).Query, Does.Not.Contain("link="));
        await page.Context.CloseAsync();
    }

    [Test]
    public async Task A_range_without_clicks_shows_the_empty_state_and_a_refused_query_the_error_state()
    {
        IPage page = await Browser.NewPageAsync();
        await page.GotoAsync(_sample.Dashboard("?range=custom&from=2001-01-01&to=2001-01-07&tz=UTC"));
        await WaitForViewAsync(page, "empty");
        Assert.Multiple(async () =>
        {
            Assert.That(await page.Locator("#chart-empty").IsVisibleAsync(), Is.True);
            Assert.That(await page.Locator("#chart-empty").TextContentAsync(), Does.Contain("No clicks in this range"));
            Assert.That(await page.Locator("section.breakdown li.none").CountAsync(), Is.EqualTo(7), "every panel says it has nothing");
            Assert.That(await page.Locator("#custom").IsVisibleAsync(), Is.True, "the custom days are shown");
            Assert.That(await page.Locator("#from").InputValueAsync(), Is.EqualTo("2001-01-01"));
            Assert.That(await KpiAsync(page, "clicks"), Is.Zero);
        });
        await Browser.ScreenshotAsync(page, "dashboard-empty");

        await page.GotoAsync(_sample.Dashboard("?tz=Mars%2FOlympus_Mons"));
        await WaitForViewAsync(page, "error");
        ILocator error = page.Locator("#error");
        Assert.Multiple(async () =>
        {
            Assert.That(await error.IsVisibleAsync(), Is.True);
            Assert.That(await error.GetAttributeAsync("role"), Is.EqualTo("alert"), "screen readers announce it");
            Assert.That(await error.TextContentAsync(), Does.Contain("Mars/Olympus_Mons"), "the API's own reason is shown");
            Assert.That(await page.Locator("#retry").IsVisibleAsync(), Is.True);
        });
        await Browser.ScreenshotAsync(page, "dashboard-error");

        // Choosing a valid zone recovers without a reload.
        await page.Locator("#tz").SelectOptionAsync("UTC");
        await WaitForViewAsync(page);
        Assert.That(await error.IsHiddenAsync(), Is.True);
        await page.Context.CloseAsync();
    }

    [TestCase(1280, 900, false)]
    [TestCase(390, 844, true)]
    public async Task Loading_moves_nothing_and_every_text_is_readable(int width, int height, bool mobile)
    {
        IPage page = await Browser.NewPageAsync(width, height, mobile);
        // The browser's own layout-instability record: every shift of visible content not caused by input.
        await page.AddInitScriptAsync("""
            window.__shifts = []; window.__moved = [];
            new PerformanceObserver(list => { for (const e of list.getEntries()) if (!e.hadRecentInput) { window.__shifts.push(e.value); window.__moved.push(...e.sources.map(x => x.node?.id || x.node?.className || x.node?.nodeName)); } })
                .observe({ type: 'layout-shift', buffered: true });
            """);
        await page.GotoAsync(_sample.Dashboard("?range=7d&tz=UTC"));
        await WaitForViewAsync(page);
        await page.WaitForTimeoutAsync(300);   // let the observer deliver the last entries
        double shift = await page.EvaluateAsync<double>("() => window.__shifts.reduce((a, b) => a + b, 0)");
        await TestContext.Out.WriteLineAsync($"cumulative layout shift at {width}px: {shift:0.0000}");
        string moved = await page.EvaluateAsync<string>("() => window.__moved.join(', ')");
        Assert.That(shift, Is.LessThan(0.01), "content moved while the numbers loaded (cumulative layout shift); moved: " + moved);

        // WCAG 2 contrast of each text against the background it is drawn on: 4.5:1, or 3:1 for large text.
        string poor = await page.EvaluateAsync<string>("""
            () => {
              const rgb = c => c.match(/[\d.]+/g).map(Number);
              const lum = ([r, g, b]) => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }; return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
              const background = e => {
                for (let n = e; n; n = n.parentElement) {
                  const c = rgb(getComputedStyle(n).backgroundColor);
                  if (c.length < 4 || c[3] > 0.5) return c.slice(0, 3);
                }
                return [255, 255, 255];
              };
              const found = [];
              for (const e of document.querySelectorAll('body *')) {
                const text = [...e.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent.trim()).join('');
                const style = getComputedStyle(e);
                if (!text || e.closest('[hidden], .sr-only, [aria-hidden=true]') || style.visibility === 'hidden' || e.getClientRects().length === 0) continue;
                const fg = rgb(style.color), bg = background(e);
                if (fg.length > 3 && fg[3] === 0) continue;
                const [a, b] = [lum(fg.slice(0, 3)), lum(bg)].sort((x, y) => y - x);
                const ratio = (a + 0.05) / (b + 0.05);
                const size = parseFloat(style.fontSize), bold = Number(style.fontWeight) >= 700;
                const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
                if (ratio < needed) found.push(`${e.tagName}.${e.className} "${text.slice(0, 20)}" ${ratio.toFixed(2)}:1`);
              }
              return found.join('; ');
            }
            """);
        Assert.That(poor, Is.Empty, "text below the WCAG AA contrast ratio");
        await page.Context.CloseAsync();
    }

    [Test]
    public async Task At_phone_width_everything_fits_and_is_labelled()
    {
        IPage page = await Browser.NewPageAsync(width: 390, height: 844, mobile: true);
        await page.GotoAsync(_sample.Dashboard("?range=7d&tz=UTC"));
        await WaitForViewAsync(page);

        // A phone widens its layout viewport to fit content that is too wide; it must stay at the device's width.
        string tooWide = await page.EvaluateAsync<string>("""
            () => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 390.5)
                .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).slice(0, 10).join('; ')
            """);
        Assert.That(await page.EvaluateAsync<int>("() => window.innerWidth"), Is.EqualTo(390), "the page fits the phone; too wide: " + tooWide);
        Assert.That(await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth"), Is.LessThanOrEqualTo(390), "nothing scrolls sideways");
        await Browser.ScreenshotAsync(page, "dashboard-phone");
        await AssertPanelsAsync(page, "7d", "UTC", bots: false, repeats: false);

        // Every control has a name a screen reader can say, and the rows are buttons with a label.
        int unnamed = await page.EvaluateAsync<int>("""
            () => [...document.querySelectorAll('select, input, button')].filter(e => {
                const label = e.labels?.length ? e.labels[0].textContent.trim() : '';
                return !(label || e.getAttribute('aria-label') || e.textContent.trim());
            }).length
            """);
        Assert.That(unnamed, Is.Zero, "controls without an accessible name");
        await page.Keyboard.PressAsync("Tab");
        Assert.That(await page.EvaluateAsync<string>("() => document.activeElement.className"), Is.EqualTo("skip"), "the first stop skips to the numbers");
        await page.Context.CloseAsync();
    }
}
