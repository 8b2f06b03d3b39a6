using System;
using System.Collections.Generic;
using ClickAnalytics.Core.Tests.Support;
using ClickAnalytics.Storage;

namespace ClickAnalytics.Core.Tests.Storage;

public class CustomDimensionsTests
{
    [Test]
    public void A_batch_without_custom_dimensions_needs_no_column()
    {
        List<EnrichedClick> batch = [new(TestClicks.Create(1)), new(TestClicks.Create(2))];

        Assert.That(CustomDimensions.Missing(batch, new HashSet<string>()), Is.Empty);
    }

    [Test]
    public void The_names_a_store_lacks_come_once_each_in_the_order_they_first_appear()
    {
        EnrichedClick first = new(TestClicks.Create(1)), second = new(TestClicks.Create(2)), third = new(TestClicks.Create(3));
        first.SetDimension("team", "blue");
        second.SetDimension("plan_tier", "gold");
        second.SetDimension("team", "red");
        third.SetDimension("region_code", "x");
        third.SetDimension("plan_tier", "");

        IReadOnlyList<string> missing = CustomDimensions.Missing([first, second, third], new HashSet<string>(StringComparer.Ordinal) { "region_code" });

        Assert.That(missing, Is.EqualTo(new[] { "team", "plan_tier" }));
    }
}
