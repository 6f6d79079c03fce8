# Install the kanri agent on a Windows server and register it with kanri.
#
# A kanri server serves this script at /install.ps1 with its own endpoint
# written in below. In an elevated PowerShell:
#
#   Invoke-WebRequest -UseBasicParsing https://kanri.example.com:8470/install.ps1 -OutFile install.ps1
#   .\install.ps1 -Name web-1 -Tags env=prod,role=web
#
# It vends an activation (GET $Endpoint/vend/activation), downloads kanri
# for this architecture ($Endpoint/download/kanri-windows-<arch>.exe) and
# checks it against its .sha256, installs it as $InstallDir\kanri.exe,
# registers the agent (state in $StateDir) and installs and starts the
# kanri-agent Windows service.
#
# Running it again redoes nothing that is done: a binary with the right
# checksum is not downloaded again, a registered agent is not registered
# again (no activation is used), and an unchanged service is left running.
[CmdletBinding()]
param(
    # The kanri server.
    [string]$Endpoint = '__KANRI_ENDPOINT__',
    # Where kanri.exe goes.
    [string]$InstallDir = (Join-Path $env:ProgramFiles 'kanri'),
    # The agent's state dir.
    [string]$StateDir = (Join-Path $env:ProgramData 'kanri-agent'),
    # The instance's name (default: the activation's).
    [string]$Name = '',
    # The instance's tags: K=V,K2=V2.
    [string]$Tags = '',
    # Do not install or start the service: leave the agent registered and
    # print how to run it.
    [switch]$NoService,
    # Print what would be done and change nothing.
    [switch]$DryRun
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
[Net.ServicePointManager]::SecurityProtocol = [Net.ServicePointManager]::SecurityProtocol -bor [Net.SecurityProtocolType]::Tls12

function Say([string]$Message) { Write-Host "kanri-install: $Message" }

# Get-Url downloads Url into OutFile, or fails with the server's error.
function Get-Url([string]$Url, [string]$OutFile) {
    try {
        Invoke-WebRequest -UseBasicParsing -Uri $Url -OutFile $OutFile
    } catch {
        $failure = $_
        $detail = $failure.Exception.Message
        if ($failure.ErrorDetails -and $failure.ErrorDetails.Message) {
            $detail = $failure.ErrorDetails.Message
            try {
                $e = $detail | ConvertFrom-Json
                $detail = "$($e.__type): $($e.message)"
            } catch {
                # Not an error of kanri: keep the body as it is.
            }
        }
        throw "kanri-install: GET ${Url}: $detail"
    }
}

function Get-Sha256([string]$Path) { (Get-FileHash -Algorithm SHA256 -LiteralPath $Path).Hash.ToLowerInvariant() }

$Endpoint = $Endpoint.TrimEnd('/')
if ($Endpoint -notmatch '^https?://.') { throw "kanri-install: -Endpoint must be an http(s) URL, not '$Endpoint'" }

$identity = [Security.Principal.WindowsPrincipal][Security.Principal.WindowsIdentity]::GetCurrent()
if (-not $DryRun -and -not $identity.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)) {
    throw 'kanri-install: run this script in an elevated PowerShell (as Administrator)'
}

$cpu = $env:PROCESSOR_ARCHITEW6432
if (-not $cpu) { $cpu = $env:PROCESSOR_ARCHITECTURE }
switch ($cpu) {
    'AMD64' { $arch = 'amd64' }
    'ARM64' { $arch = 'arm64' }
    'x86' { $arch = '386' }
    default { throw "kanri-install: unsupported architecture: $cpu" }
}

$file = "kanri-windows-$arch.exe"
$url = "$Endpoint/download/$file"
$bin = Join-Path $InstallDir 'kanri.exe'
$tmp = Join-Path ([IO.Path]::GetTempPath()) ('kanri-install-' + [Guid]::NewGuid().ToString('N'))
New-Item -ItemType Directory -Path $tmp | Out-Null
try {
    # 1. The binary.
    $updated = $false
    if ($DryRun) {
        Say "would download $url, check it against $url.sha256 and install it as $bin unless it is there already"
    } else {
        Get-Url "$url.sha256" (Join-Path $tmp "$file.sha256")
        $want = ((Get-Content -Raw -LiteralPath (Join-Path $tmp "$file.sha256")).Trim() -split '\s+')[0].ToLowerInvariant()
        if ($want -notmatch '^[0-9a-f]{64}$') { throw "kanri-install: $url.sha256 holds no SHA-256 checksum" }
        if ((Test-Path -LiteralPath $bin) -and ((Get-Sha256 $bin) -eq $want)) {
            Say "$bin is up to date"
        } else {
            Say "downloading $url"
            $download = Join-Path $tmp $file
            Get-Url $url $download
            $got = Get-Sha256 $download
            if ($got -ne $want) {
                throw "kanri-install: checksum mismatch for ${file}: $url.sha256 says $want, the download is $got; nothing was installed"
            }
            New-Item -ItemType Directory -Force -Path $InstallDir | Out-Null
            # A running agent locks its executable.
            $service = Get-Service -Name 'kanri-agent' -ErrorAction SilentlyContinue
            if ($service -and $service.Status -ne 'Stopped') { Stop-Service -Name 'kanri-agent' }
            Copy-Item -Force -LiteralPath $download -Destination $bin
            Say "installed $bin"
            $updated = $true
        }
    }

    # 2. The registration.
    $registration = Join-Path $StateDir 'registration.json'
    if (Test-Path -LiteralPath $registration) {
        $id = (Get-Content -Raw -LiteralPath $registration | ConvertFrom-Json).InstanceId
        Say "already registered as $id (state in $StateDir); not registering again"
    } elseif ($DryRun) {
        Say "would vend an activation from $Endpoint/vend/activation"
        Say "would run: $bin agent register --url $Endpoint --state-dir $StateDir (activation ID and code in KANRI_ID, KANRI_CODE)"
    } else {
        $answer = Join-Path $tmp 'activation.json'
        Get-Url "$Endpoint/vend/activation" $answer
        $activation = Get-Content -Raw -LiteralPath $answer | ConvertFrom-Json
        # Field reads the answer's field Key, '' if it has none.
        function Field([string]$Key) {
            $p = $activation.PSObject.Properties[$Key]
            if ($p -and $p.Value) { return [string]$p.Value }
            return ''
        }
        $activationId = Field 'ActivationId'
        $activationCode = Field 'ActivationCode'
        if (-not $activationId -or -not $activationCode) {
            throw "kanri-install: $Endpoint/vend/activation answered no activation"
        }
        $registerUrl = Field 'Endpoint'
        if (-not $registerUrl) { $registerUrl = $Endpoint }
        Say "registering with $registerUrl (activation $activationId, region $(Field 'Region'))"
        $cmdArgs = @('agent', 'register', '--url', $registerUrl, '--state-dir', $StateDir)
        if ($Name) { $cmdArgs += @('--name', $Name) }
        if ($Tags) { $cmdArgs += @('--tags', $Tags) }
        # The activation goes in the environment rather than on the command
        # line, which other users can read.
        $env:KANRI_ID = $activationId
        $env:KANRI_CODE = $activationCode
        try {
            & $bin @cmdArgs
            if ($LASTEXITCODE -ne 0) { throw 'kanri-install: registration failed (see above)' }
        } finally {
            Remove-Item Env:KANRI_ID, Env:KANRI_CODE -ErrorAction SilentlyContinue
        }
    }

    # 3. The service.
    if ($NoService) {
        Say 'not installing the service (-NoService); run the agent with:'
        Say "  & '$bin' agent run --state-dir '$StateDir'"
    } else {
        $cmdArgs = @('agent', 'install-service', '--binary', $bin, '--state-dir', $StateDir)
        if ($updated) { $cmdArgs += '--restart' }
        if ($DryRun) {
            Say "would run: $bin $($cmdArgs -join ' ')"
        } else {
            & $bin @cmdArgs
            if ($LASTEXITCODE -ne 0) { throw 'kanri-install: installing the service failed (see above)' }
            Say 'the kanri-agent service is installed'
        }
    }
    Say 'done'
} finally {
    Remove-Item -Recurse -Force -LiteralPath $tmp -ErrorAction SilentlyContinue
}
