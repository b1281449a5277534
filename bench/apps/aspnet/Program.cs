// The page is read once at start-up from message.txt in the working folder, so new content needs a new process.
// (A compiled app would rebuild first; the build costs the same under every supervisor, so the bench leaves it out.)
var app = WebApplication.Create(args);
var message = File.ReadAllText(Path.Combine(Environment.CurrentDirectory, "message.txt")).Trim();
var page = $"<!doctype html><html><body><h1>{message}</h1></body></html>";
app.MapGet("/", () => Results.Content(page, "text/html"));
app.Run();
