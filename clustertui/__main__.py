from clustertui.cli.main import main

main()
