using System;
using System.IO;
using System.Threading.Tasks;
using Microsoft.Playwright;

namespace ClickAnalytics.Dashboard.Tests;

/// <summary>
/// One headless chromium for every test of the assembly: Debian's <c>chromium</c> package
/// (Playwright's own browser download is not used), at <c>CLICKANALYTICS_TEST_CHROMIUM</c> or
/// <c>/usr/bin/chromium</c> (a set-up fixture of the tests' root namespace, so it covers them all). Screenshots go to <c>$CLICKANALYTICS_TEST_STATE/screenshots</c>.
/// </summary>
[SetUpFixture]
public sealed class Browser
{
    private static IPlaywright? _playwright;
    private static IBrowser? _browser;

    public static IBrowser Instance => _browser ?? throw new InvalidOperationException("The browser did not start; see the set-up failure.");

    public static string Screenshots { get; } = Path.Combine(
        Environment.GetEnvironmentVariable("CLICKANALYTICS_TEST_STATE") is { Length: > 0 } state ? state : Path.Combine(Path.GetTempPath(), "clickanalytics-dashboard-tests"),
        "screenshots");

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        string chromium = Environment.GetEnvironmentVariable("CLICKANALYTICS_TEST_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";
        if (!File.Exists(chromium))
        {
            Assert.Fail($"The dashboard tests drive a real chromium, and there is none at {chromium}. " +
                "Install Debian's package (apt-get install -y chromium; eng/test.sh does) or point CLICKANALYTICS_TEST_CHROMIUM at a chromium executable.");
        }

        Directory.CreateDirectory(Screenshots);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = chromium, Headless = true });
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }

    /// <summary>A fresh page in its own context (no shared cache or storage), in UTC unless told otherwise.</summary>
    public static async Task<IPage> NewPageAsync(int width = 1280, int height = 900, bool mobile = false)
    {
        IBrowserContext context = await Instance.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = height },
            IsMobile = mobile,
            HasTouch = mobile,
            DeviceScaleFactor = 1,
            TimezoneId = "UTC",
            Locale = "en-US",
        });
        return await context.NewPageAsync();
    }

    /// <summary>Saves a full-page screenshot under <see cref="Screenshots"/> and returns its path.</summary>
    public static async Task<string> ScreenshotAsync(IPage page, string name)
    {
        string file = Path.Combine(Screenshots, name + ".png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = file, FullPage = true });
        TestContext.Out.WriteLine($"screenshot: {file}");
        return file;
    }
}
