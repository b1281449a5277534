# Format check, build, test, pack into artifacts/ (Windows counterpart of build.sh).
#   ./build/build.ps1 [-NoTest] [-NoFormat]
param([switch]$NoTest, [switch]$NoFormat)
$ErrorActionPreference = 'Stop'
Set-Location (Join-Path $PSScriptRoot '..')
$env:DOTNET_NOLOGO = '1'
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'

function Invoke-Step([string]$Name, [scriptblock]$Body) {
    Write-Host "==> $Name"
    & $Body
    if ($LASTEXITCODE -ne 0) { throw "$Name failed with exit code $LASTEXITCODE" }
}

if (-not $NoFormat) { Invoke-Step 'format check' { dotnet format whitespace FreshServe.sln --verify-no-changes } }
Invoke-Step 'build (Release)' { dotnet build FreshServe.sln -c Release }
if (-not $NoTest) {
    New-Item -ItemType Directory -Force artifacts | Out-Null
    Invoke-Step 'test' { dotnet test FreshServe.sln -c Release --no-build --logger 'trx;LogFileName=tests.trx' --results-directory artifacts/test-results }
}
Get-ChildItem artifacts -Filter 'freshserve*.nupkg' -ErrorAction SilentlyContinue | Remove-Item
# The pointer package and the framework-dependent fallback; the Native AOT package is built on linux-x64 (build.sh).
Invoke-Step 'pack (pointer)' { dotnet pack src/FreshServe/FreshServe.csproj -c Release --no-build -o artifacts -p:FreshServeNativePackage=false }
Invoke-Step 'pack (any)' { dotnet pack src/FreshServe/FreshServe.csproj -c Release -r any -p:PublishAot=false -o artifacts }
Get-ChildItem artifacts -Filter '*.nupkg'
