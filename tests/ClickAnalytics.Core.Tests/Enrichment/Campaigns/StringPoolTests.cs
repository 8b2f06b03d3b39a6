using System;
using System.Linq;
using System.Threading.Tasks;
using ClickAnalytics.Enrichment.Campaigns;

namespace ClickAnalytics.Core.Tests.Enrichment.Campaigns;

public sealed class StringPoolTests
{
    [Test]
    public void Equal_values_share_one_string_up_to_the_capacity()
    {
        var pool = new StringPool(2);

        string a1 = pool.Get("alpha".AsSpan());
        string a2 = pool.Get("xalpha".AsSpan(1));
        pool.Get("beta".AsSpan());
        string c1 = pool.Get("gamma".AsSpan());
        string c2 = pool.Get("gamma".AsSpan());

        Assert.Multiple(() =>
        {
            Assert.That(a2, Is.SameAs(a1));
            Assert.That(c2, Is.EqualTo(c1).And.Not.SameAs(c1), "past the capacity values are returned, not pooled");
        });
    }

    [Test]
    public async Task Concurrent_callers_get_equal_values()
    {
        var pool = new StringPool(16);

        string[][] results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
            Enumerable.Range(0, 2000).Select(i => pool.Get(("v" + (i % 10)).AsSpan())).ToArray())));

        Assert.That(results.SelectMany(r => r).Distinct().Count(), Is.EqualTo(10));
    }
}
