using FreshServe.Tests.Infrastructure;

namespace FreshServe.Tests.Config;

/// <summary>A new user's mistakes, against the real tool: one line, a non-zero exit, no stack trace, nothing started.</summary>
public sealed class BadConfigTests
{
    [Theory]
    [InlineData("{ \"command\": [\"sh\"], \n  \"port\": 8000,, }", "freshserve.json: line 2, column 16: not valid JSON: expected a key in double quotes")]
    [InlineData("{ \"command\": [\"sh\"]\n  \"port\": 8000 }", "freshserve.json: line 2, column 3: not valid JSON: unexpected character (a missing comma")]
    [InlineData("{ \"command\": [\"sh\"] ", "line 1, column 21: not valid JSON: the file ends before the closing '}'")]
    [InlineData("", "line 1, column 1: not valid JSON: the file is empty")]
    [InlineData("{ \"comand\": [\"sh\"] }", "unknown key 'comand'; did you mean 'command'?")]
    [InlineData("{ \"command\": [\"sh\"], \"port\": 0 }", "'port' must be between 1 and 65535")]
    [InlineData("{ \"command\": [\"no-such-command-xyz\"] }", "not found on PATH")]
    [InlineData("{ \"command\": [\"sh\"], \"watch\": \"missing-folder\" }", "does not exist")]
    [InlineData("{ \"command\": [\"sh\"],\n  \"preset\": \"uvicron\" }", "freshserve.json: line 2, column 13: 'preset': unknown preset 'uvicron'. Did you mean 'uvicorn'?")]
    [InlineData("{ \"command\": [\"sh\"], \"env\": { \"A=B\": \"1\" } }", "column 31: 'env': 'A=B' is not a variable name")]
    [InlineData("{ \"command\": [\"sh\"], \"env\": { \"\": \"1\" } }", "'env': '' is not a variable name")]
    public async Task A_bad_config_file_gives_one_line_and_a_nonzero_exit(string json, string expected)
    {
        using var folder = new TempFolder();
        folder.Write("freshserve.json", json);
        var (code, output) = await FreshServeProcess.RunAsync(folder.Path, "watch");
        AssertOneLineError(code, output, expected);
    }

    [Theory]
    [InlineData(new[] { "watch", "--config", "nope.json", "--", "sh" }, "--config: file")]
    [InlineData(new[] { "watch", "--config", ".", "--", "sh" }, "is a folder; give the JSON file")]
    [InlineData(new[] { "watch", "--ready-url", "localhost:80", "--", "sh" }, "--ready-url: 'localhost:80' is not an http")]
    [InlineData(new[] { "watch", "--ready-timeout", "later", "--", "sh" }, "--ready-timeout: 'later' is not a duration")]
    [InlineData(new[] { "watch", "--preset", "uvicron", "--", "sh" }, "Did you mean 'uvicorn'?")]
    [InlineData(new[] { "watch", "--restart-on-crsh", "--", "sh" }, "Did you mean '--restart-on-crash'?")]
    public async Task Bad_new_options_give_one_line_and_a_nonzero_exit(string[] args, string expected)
    {
        using var folder = new TempFolder();
        var (code, output) = await FreshServeProcess.RunAsync(folder.Path, args);
        AssertOneLineError(code, output, expected);
    }

    private static void AssertOneLineError(int code, string output, string expected)
    {
        Assert.NotEqual(0, code);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, "expected one line, got:\n" + output);
        Assert.StartsWith("freshserve: ", lines[0]);
        Assert.Contains(expected, lines[0]);
        Assert.DoesNotContain("   at ", output);
    }
}
