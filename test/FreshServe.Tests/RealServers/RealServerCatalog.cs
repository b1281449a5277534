namespace FreshServe.Tests.RealServers;

/// <summary>
/// The servers of the real-server matrix, each from Debian's packages or npm (installed by .ci/run): the command alone,
/// as their own documentation writes it. Each page shows <c>@VERSION@</c>; an edit bumps it.
/// </summary>
public static class RealServerCatalog
{
    private const string Page = "<html><body><h1>@VERSION@</h1></body></html>\n";
    private const string PythonPage = "VERSION = \"@VERSION@\"\n";

    public static readonly RealServer Flask = new(
        "flask",
        new Dictionary<string, string>
        {
            ["app.py"] = """
                from flask import Flask
                from page import VERSION

                app = Flask(__name__)


                @app.get("/")
                def index():
                    return f"<html><body><h1>{VERSION}</h1></body></html>"

                """,
            ["page.py"] = PythonPage,
        },
        ["/usr/bin/python3", "-m", "flask", "--app", "app", "run", "--port", "@PORT@"],
        "page.py");

    public static readonly RealServer Django = new(
        "django",
        new Dictionary<string, string>
        {
            ["manage.py"] = """
                import os
                import sys

                os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_settings")
                from django.core.management import execute_from_command_line

                execute_from_command_line(sys.argv)

                """,
            ["site_settings.py"] = """
                SECRET_KEY = "only-for-a-test"
                DEBUG = True
                ALLOWED_HOSTS = ["*"]
                ROOT_URLCONF = "site_urls"
                INSTALLED_APPS = []
                DATABASES = {}
                USE_TZ = True

                """,
            ["site_urls.py"] = """
                from django.http import HttpResponse
                from django.urls import path
                from page import VERSION

                urlpatterns = [path("", lambda request: HttpResponse(f"<html><body><h1>{VERSION}</h1></body></html>"))]

                """,
            ["page.py"] = PythonPage,
        },
        ["/usr/bin/python3", "manage.py", "runserver", "127.0.0.1:@PORT@"],
        "page.py");

    public static readonly RealServer Gunicorn = new(
        "gunicorn",
        new Dictionary<string, string>
        {
            ["app.py"] = """
                from page import VERSION


                def app(environ, start_response):
                    start_response("200 OK", [("Content-Type", "text/html")])
                    return [f"<html><body><h1>{VERSION}</h1></body></html>".encode()]

                """,
            ["page.py"] = PythonPage,
        },
        ["/usr/bin/gunicorn", "--bind", "127.0.0.1:@PORT@", "app:app"],
        "page.py");

    public static readonly RealServer PythonHttpServer = new(
        "python -m http.server",
        new Dictionary<string, string> { ["index.html"] = Page },
        ["/usr/bin/python3", "-m", "http.server", "@PORT@", "--bind", "127.0.0.1"],
        "index.html");

    /// <summary>The port only in the npm script's environment, the page read once at start-up (not a .js file).</summary>
    public static readonly RealServer ExpressNpmRunDev = new(
        "express via npm run dev",
        new Dictionary<string, string>
        {
            ["package.json"] = """{ "name": "express-app", "private": true, "scripts": { "dev": "PORT=@PORT@ node server.js" } }""",
            ["server.js"] = """
                const express = require("express");
                const fs = require("fs");
                const page = fs.readFileSync(__dirname + "/index.html", "utf8");
                const app = express();
                app.get("/", (req, res) => res.send(page));
                app.listen(Number(process.env.PORT), "127.0.0.1");

                """,
            ["index.html"] = Page,
        },
        ["npm", "run", "dev"],
        "index.html")
    { NeedsNodeModules = true };

    public static readonly RealServer Vite = new(
        "vite",
        new Dictionary<string, string>
        {
            ["package.json"] = """{ "name": "vite-app", "private": true, "type": "module", "scripts": { "dev": "vite --host 127.0.0.1 --port @PORT@ --strictPort" } }""",
            ["index.html"] = Page,
        },
        ["npm", "run", "dev"],
        "index.html")
    { NeedsNodeModules = true, EditRestarts = false };

    public static readonly RealServer PhpBuiltIn = new(
        "php -S",
        new Dictionary<string, string> { ["index.php"] = "<?php include 'page.php'; echo \"<html><body><h1>$version</h1></body></html>\";\n", ["page.php"] = "<?php $version = '@VERSION@';\n" },
        ["php", "-S", "127.0.0.1:@PORT@"],
        "page.php");

    private const string GoMod = "module example.com/app\n\ngo 1.19\n";

    /// <summary>A Go app that embeds static/: the page is a file no *.go glob takes.</summary>
    private const string GoMain = """
        package main

        import (
        	"embed"
        	"flag"
        	"fmt"
        	"net/http"
        )

        //go:embed static
        var static embed.FS

        func main() {
        	port := flag.Int("port", 8080, "port")
        	flag.Parse()
        	page, _ := static.ReadFile("static/index.html")
        	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { w.Write(page) })
        	http.ListenAndServe(fmt.Sprintf("127.0.0.1:%d", *port), nil)
        }

        """;

    public static readonly RealServer GoRun = new(
        "go run",
        new Dictionary<string, string> { ["go.mod"] = GoMod, ["main.go"] = GoMain, ["static/index.html"] = Page },
        ["go", "run", ".", "-port", "@PORT@"],
        "static/index.html")
    { StartTimeout = TimeSpan.FromSeconds(120) };

    /// <summary>The README's own Go example: the build writes ./app into the watched folder at every start.</summary>
    public static readonly RealServer GoBuildInShell = GoRun with
    {
        Name = "go build in sh -c (README)",
        Command = ["sh", "-c", "go build -o app . && ./app --port @PORT@"],
    };

    public static readonly RealServer RubyHttpd = new(
        "ruby -run -e httpd",
        new Dictionary<string, string> { ["index.html"] = Page },
        ["ruby", "-run", "-e", "httpd", ".", "-p", "@PORT@"],
        "index.html");

    public static readonly RealServer DotnetRun = new(
        "dotnet run",
        new Dictionary<string, string>
        {
            ["app.csproj"] = """
                <Project Sdk="Microsoft.NET.Sdk.Web">
                  <PropertyGroup>
                    <TargetFramework>net10.0</TargetFramework>
                    <ImplicitUsings>enable</ImplicitUsings>
                  </PropertyGroup>
                </Project>

                """,
            ["Program.cs"] = """
                var page = File.ReadAllText("wwwroot/index.html");
                var app = WebApplication.Create(args);
                app.MapGet("/", () => Results.Content(page, "text/html"));
                app.Run();

                """,
            ["wwwroot/index.html"] = Page,
        },
        ["dotnet", "run", "--urls", "http://127.0.0.1:@PORT@"],
        "wwwroot/index.html")
    {
        StartTimeout = TimeSpan.FromSeconds(120),
        Environment = new Dictionary<string, string> { ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1", ["DOTNET_NOLOGO"] = "1" },
    };

    /// <summary>next dev writes new files under .next/ at every start; it serves page edits itself.</summary>
    public static readonly RealServer NextDev = new(
        "next dev",
        new Dictionary<string, string>
        {
            ["package.json"] = """{ "name": "next-app", "private": true, "scripts": { "dev": "next dev -p @PORT@" } }""",
            ["app/layout.js"] = "export default function RootLayout({ children }) { return <html><body>{children}</body></html>; }\n",
            ["app/page.js"] = "export default function Page() { return <h1>@VERSION@</h1>; }\n",
        },
        ["npm", "run", "dev"],
        "app/page.js")
    {
        NeedsNodeModules = true,
        EditRestarts = false,
        StartTimeout = TimeSpan.FromSeconds(90),
        Environment = new Dictionary<string, string> { ["NEXT_TELEMETRY_DISABLED"] = "1" },
    };

    private static readonly RealServer[] All = [Flask, Django, Gunicorn, PythonHttpServer, ExpressNpmRunDev, Vite, PhpBuiltIn, GoRun, GoBuildInShell, RubyHttpd, DotnetRun, NextDev];

    public static RealServer ByName(string name) => All.Single(server => server.Name == name);
}
