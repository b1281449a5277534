using Microsoft.Playwright;

namespace FreshServe.Tests.Proxy;

/// <summary>
/// A real browser (Debian's /usr/bin/chromium, headless, driven by Playwright; nothing is downloaded): the page
/// shows new content after a save, with no reload by the test.
/// </summary>
public sealed class BrowserLiveReloadTests
{
    private const string Chromium = "/usr/bin/chromium";

    [Fact]
    public async Task Open_tabs_show_the_new_content_by_themselves_after_a_save()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: apt-get install -y chromium");
        await using var run = await ProxyRun.StartAsync("first version");

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run"],
        });
        var tabs = new List<IPage>();
        for (var i = 0; i < 3; i++)
        {
            var tab = await browser.NewPageAsync();
            await tab.GotoAsync(run.Url + "/");
            Assert.Equal("first version", await tab.TextContentAsync("#content"));
            tabs.Add(tab);
        }

        // The script has connected once the socket is open; only then is a restart guaranteed to be seen live.
        await tabs[0].WaitForFunctionAsync("() => performance.getEntriesByType('resource').some(e => e.name.includes('live-reload.js'))");
        await run.EditAsync("second version", expectedGeneration: 2);

        foreach (var tab in tabs)
        {
            await tab.WaitForFunctionAsync("() => document.querySelector('#content')?.textContent === 'second version'",
                null, new PageWaitForFunctionOptions { Timeout = 30_000 });
            Assert.Contains("generation 2", await tab.ContentAsync());
        }
    }
}
