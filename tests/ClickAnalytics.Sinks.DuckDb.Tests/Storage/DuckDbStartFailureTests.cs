using System;
using System.IO;
using System.Threading.Tasks;
using ClickAnalytics.Sinks.DuckDb.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ClickAnalytics.Sinks.DuckDb.Tests.Storage;

/// <summary>A file that cannot be opened stops the host's start with a message that names the option.</summary>
public sealed class DuckDbStartFailureTests : DuckDbFileTest
{
    [Test]
    public async Task A_path_that_cannot_be_a_database_names_the_store_and_its_path_option()
    {
        // The file's folder is a file: nothing can be created there.
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        string blocker = Path.Combine(Path.GetDirectoryName(_path)!, "not-a-folder");
        File.WriteAllText(blocker, "a file where a folder should be");
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Services.AddClickAnalytics().AddDuckDb(o => o.Path = Path.Combine(blocker, "clicks.duckdb"));
        using IHost host = builder.Build();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.That(error!.Message, Does.Contain("The duckdb store could not start").And.Contain("ClickAnalytics:DuckDb"));
    }
}
