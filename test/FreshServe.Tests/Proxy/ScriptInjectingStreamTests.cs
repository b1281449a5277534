using System.Text;
using FreshServe.Proxy;

namespace FreshServe.Tests.Proxy;

public sealed class ScriptInjectingStreamTests
{
    private static async Task<string> InjectAsync(params string[] writes)
    {
        var output = new MemoryStream();
        var injector = new ScriptInjectingStream(output, Encoding.ASCII.GetBytes("<s/>"));
        foreach (var write in writes)
        {
            await injector.WriteAsync(Encoding.UTF8.GetBytes(write));
        }

        await injector.CompleteAsync(CancellationToken.None);
        return Encoding.UTF8.GetString(output.ToArray());
    }

    [Theory]
    [InlineData("<html><body>x</body></html>")]
    [InlineData("<html><body>x</", "body></html>")]
    [InlineData("<html><body>x<", "/BoDy", "></html>")]
    [InlineData("<", "/", "b", "o", "d", "y>")]
    public async Task The_tag_goes_before_the_first_closing_body_wherever_the_writes_split_it(params string[] writes)
    {
        var whole = string.Concat(writes);
        var at = whole.IndexOf("</", StringComparison.OrdinalIgnoreCase);
        Assert.Equal(whole.Insert(at, "<s/>"), await InjectAsync(writes));
    }

    [Theory]
    [InlineData("<div hx-swap=\"outerHTML\">fragment</div>")]
    [InlineData("<p>café </bod", "</bodx>")]
    [InlineData("")]
    public async Task A_body_without_a_closing_body_tag_passes_through_unchanged(params string[] writes)
    {
        Assert.Equal(string.Concat(writes), await InjectAsync(writes));
    }
}
