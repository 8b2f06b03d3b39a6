using System;
using System.IO;
using System.Net.Http;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ClickAnalytics.AspNetCore.Tests.Support;

/// <summary>
/// A test-server host on a DuckDB file in a folder of its own, whose users authenticate with an
/// X-Tenant header (<see cref="TenantHeaderAuthentication"/>) and need the "analytics" policy.
/// Disposing it stops the host and deletes the folder.
/// </summary>
internal sealed class SecuredTestHost(string prefix) : IAsyncDisposable
{
    public string Folder { get; } = Directory.CreateTempSubdirectory(prefix).FullName;

    public WebApplication App => _app ?? throw new InvalidOperationException("The host is not started.");

    private WebApplication? _app;

    /// <summary>Builds the host, lets <paramref name="map"/> map its endpoints, starts it and returns its client.</summary>
    public async Task<HttpClient> StartAsync(Action<WebApplication> map)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Services.AddClickAnalytics().AddDuckDb(o => o.Path = Path.Combine(Folder, "clicks.duckdb")).AddParquetExport();
        builder.Services.AddAuthentication(TenantHeaderAuthentication.Name).AddScheme<AuthenticationSchemeOptions, TenantHeaderAuthentication>(TenantHeaderAuthentication.Name, null);
        builder.Services.AddAuthorization(o => o.AddPolicy("analytics", p => p.RequireAuthenticatedUser()));
        _app = builder.Build();
        _app.UseAuthentication();
        _app.UseAuthorization();
        map(_app);
        await _app.StartAsync();
        return _app.GetTestClient();
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        Directory.Delete(Folder, recursive: true);
    }
}
