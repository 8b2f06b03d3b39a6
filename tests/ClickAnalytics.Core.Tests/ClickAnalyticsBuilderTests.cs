using System.Linq;
using System.Threading.Tasks;
using ClickAnalytics.Core.Tests.Support;
using ClickAnalytics.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace ClickAnalytics.Core.Tests;

public sealed class ClickAnalyticsBuilderTests
{
    [Test]
    public async Task A_sink_added_by_type_is_the_instance_the_host_resolves_and_is_added_once()
    {
        var services = new ServiceCollection();
        services.AddClickAnalytics().AddSink<RecordingSink>().AddSink<RecordingSink>();
        await using ServiceProvider provider = services.BuildServiceProvider();

        IClickSink[] sinks = provider.GetServices<IClickSink>().ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(sinks, Has.Length.EqualTo(1));
            Assert.That(sinks[0], Is.SameAs(provider.GetRequiredService<RecordingSink>()));
        });
    }
}
