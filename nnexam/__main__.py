from nnexam.cli import main

main()
